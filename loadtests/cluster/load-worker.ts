/**
 * The load of loadtests/cluster/hpa.ts in a worker thread, so that its closed
 * loops (autocannon, no think time) do not delay the sampler and the steady
 * traffic on the main thread: the siege (runSiege) or the ramp (runRamp, the
 * shape of siege.js's ramp scenario). Every second it posts the answers it got
 * since the last post (served, failed, their latencies) and the virtual users
 * running; at the end, the summary's figures.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { quantiles } from '../../test/kit/quantiles.ts';
import { runRamp, runSiege, type RampShape } from '../local/scenarios.ts';

export type LoadJob = {
  base: string;
  path: string;
  token: string;
  orderId: string;
} & ({ kind: 'siege'; connections: number; durationSeconds: number } | { kind: 'ramp'; shape: RampShape });
export type LoadMessage =
  | { type: 'tick'; ok: number; failed: number; statuses: Record<string, number>; latenciesMs: number[]; vus: number }
  | {
      type: 'done';
      requests: number;
      failed: number;
      failures: Record<string, number>;
      durationSeconds: number;
      p50: number;
      p95: number;
      p99: number;
      thresholds: { metric: string; expr: string; ok: boolean }[];
    };

const job = workerData as LoadJob;
let ok = 0;
let failed = 0;
let statuses: Record<string, number> = {};
let latenciesMs: number[] = [];
let vus = job.kind === 'siege' ? job.connections : 0;
const flush = () => {
  parentPort?.postMessage({ type: 'tick', ok, failed, statuses, latenciesMs, vus } satisfies LoadMessage);
  ok = 0;
  failed = 0;
  statuses = {};
  latenciesMs = [];
};
const onResponse = (status: number, ms: number) => {
  // Served means a 2xx: a 429 or a redirect is not work the service did.
  if (status >= 200 && status < 300) {
    ok++;
    latenciesMs.push(ms);
  } else {
    failed++;
    const key = status ? `status ${status}` : 'errors';
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
};
const ticker = setInterval(flush, 1000);
const summary =
  job.kind === 'siege'
    ? await runSiege({ ...job, onResponse })
    : await runRamp({ ...job, onResponse, onVus: (n) => (vus = n) });
clearInterval(ticker);
vus = 0;
flush();
const q = quantiles(summary.latenciesMs);
parentPort?.postMessage({
  type: 'done',
  requests: summary.requests,
  failed: summary.failed,
  failures: summary.failures,
  durationSeconds: summary.durationSeconds,
  p50: q(50),
  p95: q(95),
  p99: q(99),
  thresholds: summary.thresholds,
} satisfies LoadMessage);
