/**
 * `npm run loadtest:hpa`: autoscale evidence without a cluster. Runs the seed's
 * siege scenario (loadtests/siege.js; here autocannon, 20 connections, 40 s,
 * GET /api/order-status/{id}) against the local stack, samples the CPU time
 * and RSS of every service and sidecar from /proc/<pid>/stat and
 * /proc/<pid>/status once a second (pids from .stack/pids/), and works out
 * what the chart's HorizontalPodAutoscalers would do with that load:
 *
 *   utilization = usage / request                     (the app container, as the chart's
 *                                                     ContainerResource metrics measure it)
 *   desired     = ceil(current × utilization / target), unchanged within the 10 % tolerance,
 *                 then clamped to [minReplicas, maxReplicas]; the larger of CPU and memory wins
 *
 * with the CPU and memory requests, targets and bounds read from
 * charts/baedal/values.yaml. `current` is 1: the local stack runs one instance
 * of each service. With the load spread evenly the answer does not depend on
 * `current` (n pods at usage/n each give the same ceil), so it is also what
 * the chart's two-replica minimum would scale to.
 *
 * The stack must be up (`npm run stack -- up`); this neither starts nor stops it.
 *
 * --target private (default): the services limit each account to 100
 * requests/s (RATE_LIMIT_*), and the stack's processes do not take that
 * setting from outside, so a siege through the stack's entry point measures
 * mostly 429 answers. This starts one more customer process (same code and
 * environment as the stack's, port 3199, RATE_LIMIT_ENABLED=false, reading
 * the view through the stack's customer sidecar), sieges it directly — the
 * path the Ingress takes in the cluster, where /api/order-status goes straight
 * to the customer service — samples it as "customer", and stops it again.
 * It registers with no name resolution and subscribes to nothing.
 * --target stack: siege the stack's entry point as it is.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { appByName, appEnv } from '../../tools/stack/env-instance.ts';
import { defaultBase, printSummary, runSiege, siegeSetup } from './scenarios.ts';
import { bundleService } from '../../packages/platform/src/bundle.ts';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: defaultBase },
    connections: { type: 'string', default: '20' },
    duration: { type: 'string', default: '40' },
    idle: { type: 'string', default: '5' },
    target: { type: 'string', default: 'private' },
  },
});
if (args.target !== 'private' && args.target !== 'stack') {
  console.error('usage: npm run loadtest:hpa -- [--target private|stack] [--connections 20] [--duration 40]');
  process.exit(2);
}
const root = new URL('../../', import.meta.url).pathname;
const services = ['order', 'payment', 'store', 'delivery', 'customer', 'edge'] as const;
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// ---- the chart's numbers ----------------------------------------------------------

interface Resources {
  requests: { cpu: string | number; memory: string };
}
interface ServiceValues {
  resources: Resources;
  autoscaling: {
    enabled: boolean;
    minReplicas: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage: number;
    targetMemoryUtilizationPercentage: number;
  };
}
interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}
const chart = parse(readFileSync(`${root}charts/baedal/values.yaml`, 'utf8')) as Record<string, unknown> & {
  dapr: { sidecar: { resources: Resources } };
  autoscaling: { behavior: { scaleUp: { policies: ScalingPolicy[]; selectPolicy: string } } };
};

function cores(q: string | number): number {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) / 1000 : Number(s);
}
function bytes(q: string): number {
  const m = /^([0-9.]+)(Ki|Mi|Gi|k|M|G)?$/.exec(q);
  if (!m) throw new Error(`cannot read quantity ${q}`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

// ---- sampling /proc ----------------------------------------------------------------

interface Sample {
  t: number;
  cpuSeconds: number;
  rss: number;
}
function pidOf(name: string): number | undefined {
  try {
    return Number(readFileSync(`${root}.stack/pids/${name}.pid`, 'utf8').trim());
  } catch {
    return undefined;
  }
}
function sample(pid: number): Sample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 14th field.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { t: performance.now() / 1000, cpuSeconds: ticks / clockTicks, rss: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

const processes = services.flatMap((svc) => [svc, ...(svc === 'edge' ? [] : [`${svc}-dapr`])]);
const pids = new Map(processes.map((p) => [p, pidOf(p)]));
const missing = processes.filter((p) => !pids.get(p) || !sample(pids.get(p) ?? 0));
if (missing.length) {
  console.error(`[hpa] not running: ${missing.join(', ')} — start the stack first (npm run stack -- up)`);
  process.exit(1);
}

class Recorder {
  readonly series = new Map<string, Sample[]>();
  private timer: NodeJS.Timeout | undefined;
  lost = new Set<string>();
  start() {
    const take = () => {
      for (const [name, pid] of pids) {
        const s = pid ? sample(pid) : undefined;
        if (!s) this.lost.add(name);
        else this.series.set(name, [...(this.series.get(name) ?? []), s]);
      }
    };
    take();
    this.timer = setInterval(take, 1000);
  }
  stop() {
    clearInterval(this.timer);
    for (const [name, pid] of pids) {
      const s = pid ? sample(pid) : undefined;
      if (s) this.series.set(name, [...(this.series.get(name) ?? []), s]);
    }
  }
  /** Average cores over the whole recording, the highest 15 s average (the HPA's metrics window), peak RSS. */
  stats(name: string) {
    const xs = this.series.get(name) ?? [];
    const first = xs[0];
    const last = xs[xs.length - 1];
    if (!first || !last || last.t === first.t) return { avg: NaN, peak15: NaN, rss: NaN };
    const avg = (last.cpuSeconds - first.cpuSeconds) / (last.t - first.t);
    let peak15 = 0;
    for (let i = 0; i < xs.length; i++) {
      const a = xs[i];
      const b = xs.find((s) => a && s.t - a.t >= 15);
      if (a && b) peak15 = Math.max(peak15, (b.cpuSeconds - a.cpuSeconds) / (b.t - a.t));
    }
    return { avg, peak15: peak15 || avg, rss: Math.max(...xs.map((s) => s.rss)) };
  }
}

// ---- the private customer process (--target private) -------------------------------

const privatePort = 3199;
async function startPrivateCustomer(): Promise<{ pid: number; stop: () => Promise<void> }> {
  const spec = appByName('customer');
  if (!spec) throw new Error('no customer in tools/stack/topology.ts');
  const child = spawn(process.execPath, [await bundleService('customer')], {
    cwd: `${root}services/customer`,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      ...appEnv(spec),
      APP_PORT: String(privatePort),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid;
  if (!pid) throw new Error('could not start the private customer process');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${privatePort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGTERM');
      throw new Error(`the private customer process on port ${privatePort} did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---- run ---------------------------------------------------------------------------

const base = args.url.replace(/\/+$/, '');
console.error(`[hpa] siege setup against ${base}`);
const { token, orderId } = await siegeSetup(base);
let target = base;
let privateCustomer: Awaited<ReturnType<typeof startPrivateCustomer>> | undefined;
if (args.target === 'private') {
  privateCustomer = await startPrivateCustomer();
  pids.set('customer', privateCustomer.pid);
  target = `http://127.0.0.1:${privatePort}`;
  console.error(`[hpa] private customer process ${privateCustomer.pid} on ${target} (RATE_LIMIT_ENABLED=false)`);
}
console.error(`[hpa] idle baseline: ${args.idle}s`);
const idle = new Recorder();
idle.start();
await new Promise((r) => setTimeout(r, Number(args.idle) * 1000));
idle.stop();

console.error(
  `[hpa] siege: ${args.connections} connections for ${args.duration}s on ${target}/api/order-status/${orderId}`,
);
const busy = new Recorder();
const generatorBefore = process.cpuUsage();
const wallBefore = performance.now();
busy.start();
let summary;
try {
  summary = await runSiege({
    base: target,
    connections: Number(args.connections),
    durationSeconds: Number(args.duration),
    token,
    orderId,
    onTick: (s) => {
      if (s % 10 === 0) console.error(`[hpa] ${s}s`);
    },
  });
} finally {
  busy.stop();
  await privateCustomer?.stop();
}
const generatorCpu = process.cpuUsage(generatorBefore);
const generatorCores = (generatorCpu.user + generatorCpu.system) / 1e6 / ((performance.now() - wallBefore) / 1000);
printSummary(summary);
if (busy.lost.size)
  console.error(`[hpa] warning: lost track of ${[...busy.lost].join(', ')} (restarted during the run?)`);

// ---- the HPA arithmetic ------------------------------------------------------------

const pct = (v: number) => `${Math.round(v * 100)}%`;
const milli = (v: number) => `${Math.round(v * 1000)}m`;
const mib = (v: number) => `${Math.round(v / 1024 ** 2)}Mi`;
/** The HPA's answer for one metric: ratio within ±10 % keeps the current count. */
const desiredFor = (current: number, utilization: number, target: number) =>
  Math.abs(utilization / target - 1) <= 0.1 ? current : Math.ceil(current * (utilization / target));

/**
 * Replica counts over time under constant load, from minReplicas, with the chart's scale-up
 * behaviour (policies per period, selectPolicy Max; no stabilization window for scale-up),
 * one HPA decision every 15 s (its default sync period).
 */
function timeline(min: number, target: number): string {
  const { policies } = chart.autoscaling.behavior.scaleUp;
  const steps = [`0s ${min}`];
  let n = min;
  for (let t = 15; n < target && t <= 300; t += 15) {
    const allowed = Math.max(
      ...policies.map((p) => (p.type === 'Pods' ? p.value : Math.ceil((n * p.value) / 100)) * (15 / p.periodSeconds)),
    );
    n = Math.min(target, n + Math.floor(allowed));
    steps.push(`${t}s ${n}`);
  }
  return steps.join(' → ');
}

const sidecarRequest = cores(chart.dapr.sidecar.resources.requests.cpu);
const timelines: string[] = [];
const rows: string[][] = [];
const notes: string[] = [];
for (const svc of services) {
  const v = chart[svc] as ServiceValues;
  const a = v.autoscaling;
  const cpuRequest = cores(v.resources.requests.cpu);
  const memRequest = bytes(v.resources.requests.memory);
  const app = busy.stats(svc);
  const before = idle.stats(svc);
  const side = svc === 'edge' ? undefined : busy.stats(`${svc}-dapr`);
  const cpuUtil = app.peak15 / cpuRequest;
  const memUtil = app.rss / memRequest;
  const cpuDesired = desiredFor(1, cpuUtil * 100, a.targetCPUUtilizationPercentage);
  const memDesired = desiredFor(1, memUtil * 100, a.targetMemoryUtilizationPercentage);
  const raw = Math.max(cpuDesired, memDesired);
  const clamped = Math.min(a.maxReplicas, Math.max(a.minReplicas, raw));
  const why =
    raw > a.maxReplicas
      ? ' (maxReplicas)'
      : raw < a.minReplicas
        ? ' (minReplicas)'
        : memDesired > cpuDesired
          ? ' (memory)'
          : '';
  rows.push([
    svc,
    milli(before.avg),
    milli(app.avg),
    milli(app.peak15),
    side ? milli(side.peak15) : '—',
    milli(cpuRequest),
    pct(cpuUtil),
    `${a.targetCPUUtilizationPercentage}%`,
    String(cpuDesired),
    `${mib(app.rss)}/${mib(memRequest)}=${pct(memUtil)}`,
    String(memDesired),
    a.enabled ? `${clamped}${why}` : 'no HPA',
  ]);
  if (a.enabled && clamped > a.minReplicas) timelines.push(`${svc}: ${timeline(a.minReplicas, clamped)}`);
  if (side) {
    const podUtil = (app.peak15 + side.peak15) / (cpuRequest + sidecarRequest);
    notes.push(
      `${svc}: pod-level (app + sidecar, Resource metric) would be ${milli(app.peak15 + side.peak15)}/${milli(cpuRequest + sidecarRequest)} = ${pct(podUtil)} → ${desiredFor(1, podUtil * 100, a.targetCPUUtilizationPercentage)}`,
    );
  }
}
const header = [
  'service',
  'cpu idle',
  'cpu avg',
  'cpu 15s max',
  'sidecar 15s',
  'request',
  'util',
  'target',
  'cpu → replicas',
  'memory rss/request',
  'mem → replicas',
  'HPA (min..max)',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(`\n  HPA arithmetic (chart values: charts/baedal/values.yaml; current replicas = 1)\n`);
console.log(`  ${line(header)}`);
console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const r of rows) console.log(`  ${line(r)}`);
console.log(`
  desired = ceil(1 × util ÷ target) per metric (no change within ±10 %), the larger of CPU and memory,
  clamped to the service's [minReplicas, maxReplicas]. "cpu 15s max" is the busiest 15 s window
  (metrics-server's resolution), the figure an HPA would act on at its worst moment.
  For reference, a pod-level CPU metric (app + daprd, requests ${milli(sidecarRequest)} for the sidecar):
${notes.map((n) => `    ${n}`).join('\n')}
  Scale-up under this load with the chart's behaviour (one HPA decision per 15 s, from minReplicas):
${timelines.map((n) => `    ${n}`).join('\n') || '    none'}
  Load generator (autocannon, this process): ${milli(generatorCores)} of the same ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores.
`);
