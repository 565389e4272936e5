/**
 * The HPA scale-out and scale-in test on the local cluster (`npm run test:cluster`
 * runs it; on its own: `node loadtests/cluster/hpa.ts` against a cluster with the
 * chart installed by `npm run cluster -- baedal -f tools/cluster/hpa-values.yaml`).
 *
 * Through the Ingress, while a sampler records every 5 s the HPA's current and
 * desired replicas of the service under test (--service: customer, or order) and
 * its CPU and memory utilization (`kubectl get hpa`), the service's pods (all,
 * Ready, terminating), each pod's app-container CPU as metrics-server reports it,
 * and the load's virtual users, answers per second, failures and p99 latency:
 *
 *   baseline       --baseline s of steady traffic only;
 *   siege          the seed's `siege -c20 -t40S`: 20 connections, closed loop, no
 *                  think time, for 40 s, on the seed's route, the status view
 *                  GET /api/order-status/{id} (customer: token check, a state-store
 *                  read through the sidecar); with --service order on
 *                  GET /api/orders/{id} (a MariaDB read); beside the steady traffic;
 *   scale-in       the steady traffic alone until the HPA is back at minReplicas
 *                  with no pod of the service terminating (at most
 *                  --scale-in-timeout s), then --tail s;
 *   ramp           the longer ramp, loadtests/siege.js's `ramp` scenario (k6
 *                  ramping-vus: its stages read from the script) run by the local
 *                  runner on the same route, beside the steady traffic; before and
 *                  after it, each pod's count of answers on the route (its /metrics,
 *                  through the API server) shows which pods served (--no-ramp: none);
 *   ramp-scale-in  as scale-in, after the ramp.
 *
 * The steady traffic is an open loop of --steady-rate (5) requests/s throughout:
 * in every five, two orders placed (POST /api/orders with an Idempotency-Key: the
 * order service charges the payment through its sidecar), two reads of the latest
 * order from the order service, one read of the status view (customer service).
 * The moment a pod of the service starts terminating (a watch), 20 more requests
 * that need that pod's sidecar follow over 2 s (status-view reads; orders placed
 * for the order service), while the Ingress may still route to that pod. Only a
 * 2xx counts as served.
 *
 * Afterwards every order placed (a failed placement is replayed with its key, as a
 * client would) must be consistent: PAID in the order service and in the status
 * view, with exactly one APPROVED payment of its amount; then each is cancelled and
 * must reach CANCELLED in both, its payment REFUNDED.
 *
 * Passes when, for the siege and for the ramp: the HPA wanted more than
 * minReplicas before the load ended; it was back at minReplicas within
 * --scale-in-timeout s of its end; no request failed from the load's start until
 * then (scale-out and scale-in); and for the ramp, more than one pod answered
 * on the route, a pod the HPA added among them; and every order is consistent.
 * Writes <out>.json (parameters, figures, failures, the HPA's scalings, the
 * timeline), <out>.csv (the timeline) and <out>.svg (its plot, timeline.ts); prints the
 * timeline and the figures. Exit 0 when it passes, 1 when not.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { demoStores } from '@baedal/platform/contracts/demo';
import { call } from '../../test/kit/api.ts';
import { quantiles } from '../../test/kit/quantiles.ts';
import { rampShape, siegeSetup } from '../local/scenarios.ts';
import type { LoadJob, LoadMessage } from './load-worker.ts';
import { plotTimeline, timelineCsv, type Phase, type Sample } from './timeline.ts';

const root = new URL('../../', import.meta.url).pathname;
const { values: args } = parseArgs({
  allowNegative: true,
  options: {
    url: { type: 'string', default: process.env.BAEDAL_URL ?? 'http://127.0.0.1:18080' },
    namespace: { type: 'string', default: process.env.BAEDAL_CLUSTER_NAMESPACE ?? 'baedal' },
    release: { type: 'string', default: 'baedal' },
    service: { type: 'string', default: 'customer' },
    connections: { type: 'string', default: '20' },
    duration: { type: 'string', default: '40' },
    baseline: { type: 'string', default: '15' },
    interval: { type: 'string', default: '5' },
    'steady-rate': { type: 'string', default: '5' },
    'scale-in-timeout': { type: 'string', default: '300' },
    tail: { type: 'string', default: '10' },
    ramp: { type: 'boolean', default: true },
    out: { type: 'string', default: `${root}docs/measurements/hpa-scale-out` },
  },
});
const base = args.url.replace(/\/+$/, '');
const ns = args.namespace;
const name = `${args.release}-${args.service}`;
/**
 * Per service under test: the route the siege reads, and the request that needs a
 * pod's sidecar, sent in a burst the moment one of its pods starts terminating.
 */
const targets: Record<string, { siegePath: string; burst: 'place' | 'view' }> = {
  // The seed's siege: the status view, which the customer service reads from the
  // Dapr state store through its sidecar.
  customer: { siegePath: '/api/order-status/{id}', burst: 'view' },
  // The order service's read of one order; placing one charges through its sidecar.
  order: { siegePath: '/api/orders/{id}', burst: 'place' },
};
const target = targets[args.service];
if (!target) throw new Error(`--service must be one of ${Object.keys(targets).join(', ')}, not ${args.service}`);
const { siegePath } = target;
const selector = `app.kubernetes.io/instance=${args.release},app.kubernetes.io/component=${args.service}`;
const num = (v: string) => Number(v);
const intervalMs = num(args.interval) * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const log = (msg: string) => console.error(`[hpa ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}`);
let t0 = Date.now();

// ---- kubectl -------------------------------------------------------------------

const kubectl =
  process.env.KUBECTL ??
  execFileSync('bash', [`${root}tools/cluster/build.sh`, 'kubectl'], { encoding: 'utf8' }).trim();
const kubeconfig = process.env.KUBECONFIG ?? `${process.env.BAEDAL_CLUSTER_DIR ?? `${root}.cluster`}/admin.kubeconfig`;
const run = promisify(execFile);
async function k<T>(...argv: string[]): Promise<T> {
  const { stdout } = await run(kubectl, ['--kubeconfig', kubeconfig, ...argv], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as T;
}

interface MetricValue {
  averageUtilization?: number;
}
interface Hpa {
  spec: {
    minReplicas: number;
    maxReplicas: number;
    metrics: { containerResource?: { name: string; target: MetricValue } }[];
    behavior: unknown;
  };
  status: {
    lastScaleTime?: string;
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: { containerResource?: { name: string; current: MetricValue } }[] | null;
  };
}
interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { containers: { name: string; ports?: { containerPort: number }[] }[] };
  status: { conditions?: { type: string; status: string }[] };
}
interface PodMetrics {
  metadata: { name: string };
  containers: { name: string; usage: { cpu: string } }[];
}

/** A CPU quantity (`123456789n`, `250m`, `1`) in millicores. */
function millicores(q: string): number {
  const m = /^(\d+(?:\.\d+)?)([num]?)$/.exec(q);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'n' ? v / 1e6 : m[2] === 'u' ? v / 1e3 : m[2] === 'm' ? v : v * 1000;
}

const hpaMetric = (hpa: Hpa, resource: string) =>
  hpa.status.currentMetrics?.find((m) => m.containerResource?.name === resource)?.containerResource?.current
    .averageUtilization ?? null;

// ---- traffic counters ----------------------------------------------------------------

interface Failure {
  t: number;
  phase: Phase;
  source: 'siege' | 'ramp' | 'steady' | 'burst';
  request: string;
  outcome: string;
}
const failures: Failure[] = [];
/** Since the last sample; the load's virtual users as last reported. */
const counters = { loadOk: 0, loadFailed: 0, loadLatenciesMs: [] as number[], steadyOk: 0, steadyFailed: 0 };
let loadVus = 0;
const resetCounters = () => {
  counters.loadOk = counters.loadFailed = counters.steadyOk = counters.steadyFailed = 0;
  counters.loadLatenciesMs = [];
};
const phases = ['baseline', 'siege', 'scale-in', 'ramp', 'ramp-scale-in'] as const satisfies Phase[];
const steadyByPhase = Object.fromEntries(phases.map((p) => [p, { requests: 0, failed: 0 }])) as Record<
  Phase,
  { requests: number; failed: number }
>;
let phase: Phase = 'baseline';
const now = () => (Date.now() - t0) / 1000;

// ---- the sampler ---------------------------------------------------------------------

const timeline: Sample[] = [];
/** The HPA's scalings, from its lastScaleTime (its events are merged by message, so their times are lost). */
const rescales: { t: number; to: number }[] = [];
let lastScaleTime: string | undefined;
let lastSampleAt = Date.now();
async function sample(): Promise<Sample> {
  const [hpa, pods, metrics] = await Promise.all([
    k<Hpa>('-n', ns, 'get', 'hpa', name, '-o', 'json'),
    k<{ items: Pod[] }>('-n', ns, 'get', 'pods', '-l', selector, '-o', 'json'),
    k<{ items: PodMetrics[] }>(
      'get',
      '--raw',
      `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`,
    ).catch(() => ({ items: [] })),
  ]);
  const at = Date.now();
  const seconds = Math.max(0.001, (at - lastSampleAt) / 1000);
  lastSampleAt = at;
  if (hpa.status.lastScaleTime !== lastScaleTime) {
    lastScaleTime = hpa.status.lastScaleTime;
    const t = lastScaleTime ? (Date.parse(lastScaleTime) - t0) / 1000 : -1;
    if (t >= 0) rescales.push({ t: Math.round(t), to: hpa.status.desiredReplicas ?? 0 });
  }
  const live = pods.items.filter((p) => !p.metadata.deletionTimestamp);
  const ready = live.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  const cpu: Record<string, number> = {};
  for (const m of metrics.items) {
    const app = m.containers.find((c) => c.name === args.service);
    if (app) cpu[m.metadata.name] = Math.round(millicores(app.usage.cpu));
  }
  const s: Sample = {
    t: Math.round((at - t0) / 100) / 10,
    phase,
    hpaCurrent: hpa.status.currentReplicas ?? 0,
    hpaDesired: hpa.status.desiredReplicas ?? 0,
    hpaCpuPct: hpaMetric(hpa, 'cpu'),
    hpaMemoryPct: hpaMetric(hpa, 'memory'),
    pods: live.length,
    podsReady: ready.length,
    podsTerminating: pods.items.length - live.length,
    cpuMillicores: cpu,
    loadVus,
    loadRps: Math.round((counters.loadOk + counters.loadFailed) / seconds),
    loadFailed: counters.loadFailed,
    loadP99Ms: counters.loadLatenciesMs.length ? Math.round(quantiles(counters.loadLatenciesMs)(99) * 10) / 10 : null,
    steadyRps: Math.round(((counters.steadyOk + counters.steadyFailed) / seconds) * 10) / 10,
    steadyFailed: counters.steadyFailed,
  };
  resetCounters();
  return s;
}

let sampling = true;
/** Samples every --interval s from t0 until `sampling` is false. */
const runSampler = async () => {
  for (let n = 0; sampling; n++) {
    await sleep(t0 + n * intervalMs - Date.now());
    if (!sampling) break;
    try {
      const s = await sample();
      timeline.push(s);
      log(
        `${s.phase.padEnd(13)} hpa ${s.hpaCurrent}→${s.hpaDesired} cpu ${s.hpaCpuPct ?? '-'}% pods ${s.podsReady}/${s.pods}` +
          `${s.podsTerminating ? ` (${s.podsTerminating} terminating)` : ''} load ${s.loadVus} VUs ${s.loadRps}/s` +
          `${s.loadP99Ms !== null ? ` p99 ${s.loadP99Ms}ms` : ''} steady ${s.steadyRps}/s` +
          `${s.loadFailed + s.steadyFailed ? ` FAILED ${s.loadFailed}+${s.steadyFailed}` : ''}`,
      );
    } catch (e) {
      log(`sample failed: ${(e as Error).message.split('\n')[0]}`);
    }
    // A slow sample skips its missed slots instead of bunching the next ones.
    n = Math.max(n, Math.floor((Date.now() - t0) / intervalMs));
  }
};

// ---- setup -------------------------------------------------------------------------

log(`setup through ${base}: log in, place the order the siege reads`);
const { token, orderId: siegeOrderId } = await siegeSetup(base);
// The ramp's shape, as k6 would run it (an error in the script fails here, not after the siege).
const ramp = args.ramp ? await rampShape() : undefined;
const hpaBefore = await k<Hpa>('-n', ns, 'get', 'hpa', name, '-o', 'json');
const minReplicas = hpaBefore.spec.minReplicas;
const cpuTarget = hpaBefore.spec.metrics.find((m) => m.containerResource?.name === 'cpu')?.containerResource?.target
  .averageUtilization;

// The previous run's pods must be gone: start from minReplicas.
{
  const deadline = Date.now() + num(args['scale-in-timeout']) * 1000;
  for (;;) {
    const s = await sample();
    if (s.hpaCurrent === minReplicas && s.pods === minReplicas && s.podsReady === minReplicas && !s.podsTerminating)
      break;
    if (Date.now() > deadline) throw new Error(`the ${name} HPA is not at minReplicas=${minReplicas} to begin with`);
    console.error(`[hpa] waiting for ${name} to be at ${minReplicas} replica(s): ${s.podsReady}/${s.pods} Ready`);
    await sleep(5000);
  }
}
t0 = Date.now();
lastSampleAt = t0;
rescales.length = 0; // the ones before the start
resetCounters();
const sampler = runSampler();

// ---- steady traffic ------------------------------------------------------------------

const store = demoStores[0];
interface Placement {
  key: string;
  phase: Phase;
  id?: string;
  status: number | string;
}
const placements: Placement[] = [];
let latestOrderId = siegeOrderId;
const inFlight = new Set<Promise<void>>();

type Kind = 'place' | 'read' | 'view';
async function steadyRequest(kind: Kind, source: 'steady' | 'burst' = 'steady'): Promise<void> {
  const p = phase;
  const sentAt = now();
  let request: string;
  let init: RequestInit = { headers: { authorization: `Bearer ${token}` } };
  let expect = 200;
  let placement: Placement | undefined;
  if (kind === 'place') {
    placement = { key: crypto.randomUUID(), phase: p, status: 'pending' };
    placements.push(placement);
    request = 'POST /api/orders';
    expect = 201;
    init = {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': placement.key,
      },
      body: JSON.stringify({
        storeId: store.id,
        items: [{ menuItemId: store.items[0].id, quantity: 1 }],
        deliveryAddress: { line: 'hpa test', lat: store.location.lat + 0.002, lng: store.location.lng + 0.002 },
      }),
    };
  } else if (kind === 'read') request = `GET /api/orders/${latestOrderId}`;
  else request = `GET /api/order-status/${siegeOrderId}`;
  let outcome: string;
  try {
    const res = await fetch(`${base}${request.slice(request.indexOf(' ') + 1)}`, {
      ...init,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    outcome = `status ${res.status}`;
    if (placement) {
      placement.status = res.status;
      if (res.status === 201) placement.id = latestOrderId = (JSON.parse(text) as { id: string }).id;
    }
    if (res.status === expect) {
      counters.steadyOk++;
      steadyByPhase[p].requests++;
      return;
    }
  } catch (e) {
    outcome = (e as Error).name === 'TimeoutError' ? 'timeout' : `error ${(e as Error).message}`;
    if (placement) placement.status = outcome;
  }
  counters.steadyFailed++;
  steadyByPhase[p].requests++;
  steadyByPhase[p].failed++;
  failures.push({ t: Math.round(sentAt * 10) / 10, phase: p, source, request, outcome });
}
const track = (r: Promise<void>) => {
  inFlight.add(r);
  void r.finally(() => inFlight.delete(r));
};

let steady = true;
const steadyLoop = (async () => {
  const every = 1000 / num(args['steady-rate']);
  for (let n = 0; steady; n++) {
    await sleep(t0 + n * every - Date.now());
    // Per five: two orders placed, two reads of the latest order, one of the status view.
    const kinds: Kind[] = ['place', 'read', 'place', 'read', 'view'];
    track(steadyRequest(kinds[n % 5] ?? 'view'));
  }
})();

// The moment a pod of the service starts terminating (a watch, not the 5 s sampler), 20
// more of the requests that need its sidecar over the next 2 s: the pod's remaining seconds behind the Ingress are when
// a request could still reach an app whose sidecar has gone.
const seenTerminating = new Set<string>();
const terminations: { t: number; pod: string }[] = [];
const watcher = spawn(
  kubectl,
  [
    '--kubeconfig',
    kubeconfig,
    '-n',
    ns,
    'get',
    'pods',
    '-l',
    selector,
    '--watch-only',
    '-o',
    'jsonpath={.metadata.name} {.metadata.deletionTimestamp}{"\\n"}',
  ],
  { stdio: ['ignore', 'pipe', 'ignore'] },
);
createInterface({ input: watcher.stdout }).on('line', (line) => {
  const [pod, deleting] = line.trim().split(' ');
  if (!pod || !deleting || seenTerminating.has(pod)) return;
  seenTerminating.add(pod);
  terminations.push({ t: Math.round(now() * 10) / 10, pod });
  log(`${pod} terminating: 20 × ${target.burst} over 2 s`);
  for (let i = 0; i < 20; i++) setTimeout(() => track(steadyRequest(target.burst, 'burst')), i * 100);
});

// ---- baseline, siege, scale-in, ramp, scale-in ------------------------------------------

type LoadResult = Extract<LoadMessage, { type: 'done' }>;
/** Runs the siege or the ramp in a worker, counting its answers for the sampler. */
function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise<LoadResult>((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: job });
    worker.on('message', (m: LoadMessage) => {
      if (m.type === 'done') return resolve(m);
      counters.loadOk += m.ok;
      counters.loadFailed += m.failed;
      counters.loadLatenciesMs.push(...m.latenciesMs);
      loadVus = m.vus;
      for (const [outcome, n] of Object.entries(m.statuses))
        failures.push({
          t: Math.round(now() * 10) / 10,
          phase,
          source: job.kind,
          request: `${n}× GET ${siegePath}`,
          outcome,
        });
    });
    worker.on('error', reject);
  });
}

/**
 * Waits, from the load's end, until the samples show the HPA and the pods back at
 * minReplicas with none terminating, then --tail s more; `backAt` is the first
 * such sample, undefined when --scale-in-timeout s passed first.
 */
async function untilBackAtMin(loadEnd: number): Promise<{ backAt?: number; timedOut: boolean }> {
  let backAt: number | undefined;
  for (;;) {
    await sleep(1000);
    const last = timeline.at(-1);
    if (last && last.t > loadEnd) {
      const atMin =
        last.hpaCurrent === minReplicas &&
        last.hpaDesired === minReplicas &&
        last.pods === minReplicas &&
        last.podsReady === minReplicas &&
        last.podsTerminating === 0;
      if (!atMin) backAt = undefined;
      else backAt ??= last.t;
      if (backAt !== undefined && now() - backAt >= num(args.tail)) return { backAt, timedOut: false };
    }
    if (now() - loadEnd > num(args['scale-in-timeout'])) {
      log(`not back at ${minReplicas} replica(s) after ${args['scale-in-timeout']}s`);
      return { timedOut: true };
    }
  }
}

/**
 * Each live pod's answers with a 2xx on the load's route, from its own /metrics
 * (http_server_duration_seconds_count) through the API server's pod proxy; a pod
 * that does not answer counts as unknown (absent).
 */
// The route's label is the router's pattern (`/api/order-status/:orderId`): any parameter name.
const routeLabel = new RegExp(`route="${siegePath.replace('{id}', ':[^/"]+')}"`);
async function servedByPod(): Promise<Record<string, number>> {
  const pods = await k<{ items: Pod[] }>('-n', ns, 'get', 'pods', '-l', selector, '-o', 'json');
  const out: Record<string, number> = {};
  await Promise.all(
    pods.items
      .filter((p) => !p.metadata.deletionTimestamp)
      .map(async (p) => {
        const port = p.spec.containers.find((c) => c.name === args.service)?.ports?.[0]?.containerPort;
        if (!port) return;
        try {
          const { stdout } = await run(
            kubectl,
            [
              '--kubeconfig',
              kubeconfig,
              'get',
              '--raw',
              `/api/v1/namespaces/${ns}/pods/${p.metadata.name}:${port}/proxy/metrics`,
            ],
            { maxBuffer: 64 << 20 },
          );
          const counts = stdout.split('\n').filter((l) => l.startsWith('http_server_duration_seconds_count{'));
          const mine = counts.filter(
            (l) => routeLabel.test(l) && l.includes('method="GET"') && /status="2\d\d"/.test(l),
          );
          if (!mine.length)
            log(`${p.metadata.name}: no answers on ${siegePath} in its /metrics (${counts.length} series)`);
          out[p.metadata.name] = mine.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
        } catch (e) {
          log(`${p.metadata.name}: /metrics unreadable: ${(e as Error).message.split('\n')[0]}`);
        }
      }),
  );
  return out;
}

log(`baseline: ${args.baseline}s of steady traffic (${args['steady-rate']} requests/s)`);
await sleep(num(args.baseline) * 1000);

const loadJob = { base, path: siegePath, token, orderId: siegeOrderId };
phase = 'siege';
const siegeStart = now();
log(`siege: ${args.connections} connections for ${args.duration}s on GET ${siegePath.replace('{id}', siegeOrderId)}`);
const siegeResult = await runLoad({
  ...loadJob,
  kind: 'siege',
  connections: num(args.connections),
  durationSeconds: num(args.duration),
});
const siegeEnd = now();
phase = 'scale-in';
log(`scale-in: steady traffic until ${name} is back at ${minReplicas} replica(s)`);
const siegeScaleIn = await untilBackAtMin(siegeEnd);

let rampRun:
  | {
      start: number;
      end: number;
      result: LoadResult;
      scaleIn: { backAt?: number; timedOut: boolean };
      servedBefore: Record<string, number>;
      servedAfter: Record<string, number>;
    }
  | undefined;
if (ramp && !siegeScaleIn.timedOut) {
  const servedBefore = await servedByPod();
  phase = 'ramp';
  const start = now();
  log(
    `ramp: siege.js's ramp scenario, from ${ramp.startVUs} VUs: ${ramp.stages.map((st) => `${st.target} over ${st.duration}`).join(', ')}`,
  );
  const result = await runLoad({ ...loadJob, kind: 'ramp', shape: ramp });
  const end = now();
  // Before the HPA removes any pod: its stabilization window outlasts these seconds.
  const servedAfter = await servedByPod();
  phase = 'ramp-scale-in';
  log(`ramp-scale-in: steady traffic until ${name} is back at ${minReplicas} replica(s)`);
  rampRun = { start, end, result, scaleIn: await untilBackAtMin(end), servedBefore, servedAfter };
}
steady = false;
watcher.kill();
await steadyLoop;
await sleep(2000); // the last burst's requests are sent
await Promise.all(inFlight);
sampling = false;
await sampler;
const testSeconds = now();

// ---- consistency of every order placed --------------------------------------------------

log(`checking the ${placements.length + 1} orders placed`);
const placeBody = JSON.stringify({
  storeId: store.id,
  items: [{ menuItemId: store.items[0].id, quantity: 1 }],
  deliveryAddress: { line: 'hpa test', lat: store.location.lat + 0.002, lng: store.location.lng + 0.002 },
});
for (const pl of placements.filter((x) => !x.id)) {
  // A client retries a failed placement with the same key: it learns the order, or places it now.
  for (let i = 0; i < 10 && !pl.id; i++) {
    const res = await fetch(`${base}/api/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': pl.key },
      body: placeBody,
    });
    if (res.status === 201) pl.id = ((await res.json()) as { id: string }).id;
    else await sleep(3000);
  }
}
const orderIds = [...new Set([siegeOrderId, ...placements.flatMap((x) => (x.id ? [x.id] : []))])];
const unresolved = placements.filter((x) => !x.id).length;

interface Found {
  order?: string;
  view?: string;
  payments: string;
}
async function stateOf(id: string): Promise<Found> {
  const [order, view, payments] = await Promise.all([
    call<{ status: string; totalAmount: number }>(base, 'GET', `/api/orders/${id}`, { token }),
    call<{ status: string }>(base, 'GET', `/api/order-status/${id}`, { token }),
    call<{ status: string; amount: number }[]>(base, 'GET', `/api/payments?orderId=${id}`, { token }),
  ]);
  const amount = order.body?.totalAmount;
  return {
    ...(order.status === 200 ? { order: order.body.status } : {}),
    ...(view.status === 200 ? { view: view.body.status } : {}),
    payments:
      payments.status === 200
        ? payments.body.map((x) => `${x.status}${x.amount === amount ? '' : `(amount ${x.amount})`}`).join('+')
        : `status ${payments.status}`,
  };
}
/** Runs `fn` over `items`, four at a time (more would scale the order service out again). */
async function eachLimited<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}
/** Waits (up to 90 s) until every order shows `status` in the order service and the view, and one payment `payment`. */
async function allReach(status: string, payment: string): Promise<Map<string, Found>> {
  const pending = new Map(orderIds.map((id) => [id, { payments: '' } as Found]));
  const deadline = Date.now() + 90_000;
  while (pending.size && Date.now() < deadline) {
    await eachLimited([...pending.keys()], async (id) => {
      const f = await stateOf(id);
      if (f.order === status && f.view === status && f.payments === payment) pending.delete(id);
      else pending.set(id, f);
    });
    if (pending.size) await sleep(1000);
  }
  return pending;
}
const notPaid = await allReach('PAID', 'APPROVED');
let cancelFailed = 0;
await eachLimited(orderIds, async (id) => {
  const r = await call(base, 'POST', `/api/orders/${id}/cancel`, { token });
  if (r.status !== 200) cancelFailed++;
});
const notCancelled = await allReach('CANCELLED', 'REFUNDED');
const inconsistent = [
  ...[...notPaid].map(([id, f]) => ({ id, expected: 'PAID / PAID / APPROVED', found: f })),
  ...[...notCancelled].map(([id, f]) => ({ id, expected: 'CANCELLED / CANCELLED / REFUNDED', found: f })),
];

// ---- figures, files, verdict ---------------------------------------------------------------

const startedIso = new Date(t0).toISOString();

const round = (v: number) => Math.round(v * 10) / 10;
/** A load's figures: its start and end, the HPA's response from its start to the scale-in, its answers. */
function loadFigures(
  start: number,
  end: number,
  result: LoadResult,
  scaleIn: { backAt?: number; timedOut: boolean },
  loadPhase: Phase,
  scaleInPhase: Phase,
) {
  const until = scaleIn.backAt ?? Infinity;
  const samples = timeline.filter((x) => x.t > start && x.t <= until);
  const inLoad = samples.filter((x) => x.phase === loadPhase);
  const first = (key: 'hpaDesired' | 'podsReady') => samples.find((x) => x[key] > minReplicas);
  const wantedMore = first('hpaDesired');
  const readyMore = first('podsReady');
  const max = (values: number[]) => (values.length ? Math.max(...values) : null);
  return {
    startS: round(start),
    endS: round(end),
    secondsToDesiredAboveMin: wantedMore ? round(wantedMore.t - start) : null,
    secondsToReadyAboveMin: readyMore ? round(readyMore.t - start) : null,
    secondsFromEndBackToMin: scaleIn.backAt !== undefined ? round(scaleIn.backAt - end) : null,
    peakDesiredReplicas: max(samples.map((x) => x.hpaDesired)),
    peakReadyPods: max(samples.map((x) => x.podsReady)),
    peakCpuUtilizationPct: max(samples.map((x) => x.hpaCpuPct ?? 0)),
    peakVus: max(inLoad.map((x) => x.loadVus)),
    peakRps: max(inLoad.map((x) => x.loadRps)),
    peakSampleP99Ms: max(inLoad.flatMap((x) => (x.loadP99Ms !== null ? [x.loadP99Ms] : []))),
    requests: result.requests,
    requestsPerSecond: Math.round(result.requests / result.durationSeconds),
    failed: result.failed,
    failures: result.failures,
    p50Ms: round(result.p50),
    p95Ms: round(result.p95),
    p99Ms: round(result.p99),
    scaledOutDuringLoad: inLoad.some((x) => x.hpaDesired > minReplicas),
    failedRequestsFromStartToScaleIn: failures.filter((f) => f.phase === loadPhase || f.phase === scaleInPhase).length,
  };
}
const siegeFigures = loadFigures(siegeStart, siegeEnd, siegeResult, siegeScaleIn, 'siege', 'scale-in');
const rampFigures = rampRun && {
  ...loadFigures(rampRun.start, rampRun.end, rampRun.result, rampRun.scaleIn, 'ramp', 'ramp-scale-in'),
  thresholds: rampRun.result.thresholds,
  // Answers on the route per pod during the ramp (its /metrics before and after); new: added during it.
  servedByPod: Object.fromEntries(
    Object.entries(rampRun.servedAfter).map(([pod, n]) => [
      pod,
      { answers: n - (rampRun?.servedBefore[pod] ?? 0), new: !(pod in (rampRun?.servedBefore ?? {})) },
    ]),
  ),
};
/** Pods that answered at least 1 % of the ramp's requests, and of them the ones the HPA added. */
const serving = Object.entries(rampFigures?.servedByPod ?? {}).filter(
  ([, x]) => x.answers >= 0.01 * (rampFigures?.requests ?? 0) && x.answers > 0,
);
const figures = {
  minReplicas,
  maxReplicas: hpaBefore.spec.maxReplicas,
  siege: siegeFigures,
  ramp: rampFigures ?? null,
  steady: steadyByPhase,
  ordersPlaced: orderIds.length,
  placementsUnresolved: unresolved,
  ordersCancelFailed: cancelFailed,
  ordersInconsistent: inconsistent.length,
  testSeconds: round(testSeconds),
};
const timeout = args['scale-in-timeout'];
const checks = [
  {
    check: `siege: the HPA wanted more than minReplicas (${minReplicas}) before it ended`,
    ok: siegeFigures.scaledOutDuringLoad,
  },
  { check: `siege: back at minReplicas within ${timeout}s of its end`, ok: !siegeScaleIn.timedOut },
  {
    check: 'siege: zero failed requests from its start to the end of the scale-in',
    ok: siegeFigures.failedRequestsFromStartToScaleIn === 0,
  },
  ...(args.ramp
    ? [
        { check: `ramp: ran after the siege's scale-in`, ok: rampFigures !== undefined },
        {
          check: `ramp: the HPA wanted more than minReplicas (${minReplicas}) before it ended`,
          ok: rampFigures?.scaledOutDuringLoad === true,
        },
        {
          check: `ramp: more than one pod answered (≥ 1 % of its requests each), a pod added by the HPA among them`,
          ok: serving.length > 1 && serving.some(([, x]) => x.new),
        },
        { check: `ramp: back at minReplicas within ${timeout}s of its end`, ok: rampRun?.scaleIn.timedOut === false },
        {
          check: 'ramp: zero failed requests from its start to the end of the scale-in',
          ok: rampFigures?.failedRequestsFromStartToScaleIn === 0,
        },
      ]
    : []),
  {
    check: 'every order placed is consistent (PAID everywhere, one payment; then CANCELLED, REFUNDED)',
    ok: inconsistent.length === 0 && unresolved === 0 && cancelFailed === 0,
  },
];

const csv = timelineCsv(timeline);
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(`${args.out}.csv`, csv);
writeFileSync(
  `${args.out}.svg`,
  plotTimeline(csv, { service: args.service, ...(cpuTarget !== undefined ? { cpuTarget } : {}) }),
);
writeFileSync(
  `${args.out}.json`,
  `${JSON.stringify(
    {
      startedAt: startedIso,
      parameters: {
        url: base,
        target: `deployment/${name} in namespace ${ns}`,
        siege: `${args.connections} connections, ${args.duration}s, GET ${siegePath}`,
        ramp: ramp
          ? `loadtests/siege.js scenario ramp (ramping-vus from ${ramp.startVUs}: ${ramp.stages.map((st) => `${st.target} over ${st.duration}`).join(', ')}), GET ${siegePath}`
          : null,
        steady: `${args['steady-rate']} requests/s: per 5, 2 POST /api/orders, 2 GET /api/orders/{id}, 1 GET /api/order-status/{id}; 20 ${target.burst === 'place' ? 'POST /api/orders' : 'GET /api/order-status/{id}'} over 2 s when a ${args.service} pod starts terminating`,
        baselineSeconds: num(args.baseline),
        sampleSeconds: num(args.interval),
        hpa: {
          minReplicas,
          maxReplicas: hpaBefore.spec.maxReplicas,
          metrics: hpaBefore.spec.metrics,
          behavior: hpaBefore.spec.behavior,
        },
      },
      checks,
      figures,
      rescales,
      terminations,
      failures,
      inconsistent,
      timeline,
    },
    null,
    2,
  )}\n`,
);

console.log(`\n${csv}`);
console.log(
  `HPA scalings (s after start; lastScaleTime is whole seconds):\n${rescales.map((r) => `  ${r.t}s to ${r.to}`).join('\n') || '  none'}`,
);
console.log(
  `${args.service} pods terminating (s after start):\n${terminations.map((x) => `  ${x.t}s ${x.pod}`).join('\n') || '  none'}`,
);
console.log(`\nfigures:\n${JSON.stringify(figures, null, 2)}`);
for (const [load, f] of [
  ['siege', figures.siege],
  ['ramp', figures.ramp],
] as const)
  if (f)
    console.log(
      `${load}: ${f.requests} requests, ${f.requestsPerSecond}/s (peak ${f.peakRps}/s at ${f.peakVus} VUs), ` +
        `p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, ${f.failed} failed; replicas ${minReplicas}→${f.peakReadyPods} Ready ` +
        `(desired above min after ${f.secondsToDesiredAboveMin ?? '-'} s, Ready after ${f.secondsToReadyAboveMin ?? '-'} s), ` +
        `back at ${minReplicas} ${f.secondsFromEndBackToMin ?? '-'} s after its end; ` +
        `${f.failedRequestsFromStartToScaleIn} failed requests from its start to the scale-in's end`,
    );
if (figures.ramp)
  console.log(
    `ramp answers per pod: ${Object.entries(figures.ramp.servedByPod)
      .map(([pod, x]) => `${pod.split('-').at(-1)}${x.new ? ' (new)' : ''} ${x.answers}`)
      .join(', ')}`,
  );
if (failures.length)
  console.log(
    `\nfailed requests:\n${failures.map((f) => `  ${f.t}s ${f.phase} ${f.source} ${f.request}: ${f.outcome}`).join('\n')}`,
  );
if (inconsistent.length) console.log(`\ninconsistent orders:\n${JSON.stringify(inconsistent, null, 2)}`);
console.log(`\n${checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.check}`).join('\n')}`);
console.log(`wrote ${args.out}.{json,csv,svg}`);
process.exit(checks.every((c) => c.ok) ? 0 : 1);
