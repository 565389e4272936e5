/**
 * The siege of loadtests/cluster/hpa.ts in a worker thread, so that its
 * closed loop (autocannon, no think time) does not delay the sampler and the
 * steady traffic on the main thread. Every second it posts the answers it got
 * since the last post ({ ok, failed }); at the end, the summary's figures.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { quantiles } from '../../test/kit/quantiles.ts';
import { runSiege } from '../local/scenarios.ts';

export interface SiegeJob {
  base: string;
  path: string;
  connections: number;
  durationSeconds: number;
  token: string;
  orderId: string;
}
export type SiegeMessage =
  | { type: 'tick'; ok: number; failed: number; statuses: Record<string, number> }
  | {
      type: 'done';
      requests: number;
      failed: number;
      failures: Record<string, number>;
      durationSeconds: number;
      p50: number;
      p95: number;
      p99: number;
    };

const job = workerData as SiegeJob;
let ok = 0;
let failed = 0;
let statuses: Record<string, number> = {};
const flush = () => {
  parentPort?.postMessage({ type: 'tick', ok, failed, statuses } satisfies SiegeMessage);
  ok = 0;
  failed = 0;
  statuses = {};
};
const ticker = setInterval(flush, 1000);
const summary = await runSiege({
  ...job,
  onResponse: (status) => {
    // Served means a 2xx: a 429 or a redirect is not work the service did.
    if (status >= 200 && status < 300) ok++;
    else {
      failed++;
      const key = status ? `status ${status}` : 'errors';
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  },
});
clearInterval(ticker);
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
} satisfies SiegeMessage);
