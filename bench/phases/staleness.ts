/**
 * How stale a status read through the entry point is, with two customer
 * replicas. The entry point (bench/ingress.ts) calls replica 1; an order's
 * events are spread over both replicas' subscriptions, so the changes replica
 * 2 writes reach replica 1's kept views
 * (services/customer/src/state/fresh-views.ts) only as they expire.
 *
 * While an owner walks orders through accept, start-cooking and finish-cooking
 * (one at a time), readers poll the order's view through the entry point, and
 * a watcher polls the view's state key straight from customer-dapr: the
 * freshest version any read could show. A read that began after the watcher
 * had seen a later status than the one the read answered was stale by the time
 * between the two; every other read by 0. The watcher sees a write up to one of
 * its polls late, so its poll period (printed) is the figure's resolution.
 */
import { orderStatuses } from '../../packages/platform/src/contracts/lifecycle.ts';
import { call, login } from '../../test/kit/api.ts';
import { orderBody, ownerActions, ownerStep } from '../customers.ts';
import { percentiles } from '../figures.ts';
import { customerApp, entry, sidecarHeaders, stack } from '../instance.ts';
import { log, quick } from '../settings.ts';

const READERS = 8;
const ORDERS = quick ? 10 : 30;
const rank = (status: string) => orderStatuses.indexOf(status as (typeof orderStatuses)[number]);

interface Read {
  startedAt: number;
  staleMs: number;
}

export async function phaseStaleness() {
  log('read staleness: a second replica of every service');
  await stack.up({ replicas: 2 });
  try {
    return await measure();
  } finally {
    // Back to one replica: the replicas stop, and the instance remembers one again.
    await Promise.all(stack.topology.apps.filter((a) => a.replicaOf).map((a) => stack.stopApp(a.name)));
    await stack.up({ replicas: 1 });
  }
}

async function measure() {
  const sidecar = customerApp.dapr;
  if (!sidecar) throw new Error('customer has no sidecar');
  const alice = (await login(entry, 'alice')).accessToken;
  const owner = (await login(entry, 'owner1')).accessToken;
  log(`read staleness: ${ORDERS} orders x 3 owner actions, ${READERS} readers through the entry point`);

  const reads: Read[] = [];
  /** When the watcher first saw each status rank of the current order. */
  let firstSeen = new Map<number, number>();
  const watchPolls: number[] = [];
  let orderId = '';
  let running = true;

  const stateUrl = (id: string) =>
    `http://127.0.0.1:${sidecar.httpPort}/v1.0/state/statestore/${encodeURIComponent(`order-view:${id}`)}`;
  /** Calls `poll` with the order being walked and its watcher's record, again and again, until the walk ends. */
  const pollLoop = async (poll: (id: string, seen: Map<number, number>) => Promise<void>) => {
    while (running) {
      if (orderId) await poll(orderId, firstSeen);
      else await new Promise((r) => setTimeout(r, 5));
    }
  };
  const headers = sidecarHeaders('customer');
  const watcher = pollLoop(async (id, seen) => {
    const started = performance.now();
    const res = await fetch(stateUrl(id), { headers });
    const body = res.status === 200 ? ((await res.json()) as { status: string }) : null;
    if (!body) await res.arrayBuffer();
    // The state as of the poll's start at the latest: a write it shows happened before its answer.
    else for (let k = 0; k <= rank(body.status); k++) if (!seen.has(k)) seen.set(k, performance.now());
    watchPolls.push(performance.now() - started);
  });
  const readers = Array.from({ length: READERS }, () =>
    pollLoop(async (id, seen) => {
      const startedAt = performance.now();
      const r = await call<{ status: string }>(entry, 'GET', `/api/order-status/${id}`, { token: alice });
      if (r.status !== 200 || seen !== firstSeen) return;
      // Stale when the watcher had seen a later status before this read began: by how long.
      const later = [...seen.entries()].filter(([k, at]) => k > rank(r.body.status) && at < startedAt);
      reads.push({ startedAt, staleMs: later.length ? startedAt - Math.min(...later.map(([, at]) => at)) : 0 });
    }),
  );

  const misses: string[] = [];
  try {
    for (let i = 0; i < ORDERS; i++) {
      const placed = await call<{ id: string }>(entry, 'POST', '/api/orders', {
        token: alice,
        body: orderBody(`staleness ${i}`),
      });
      if (placed.status !== 201) throw new Error(`placing an order: ${placed.status}`);
      firstSeen = new Map();
      orderId = placed.body.id;
      for (const action of ownerActions) {
        const status = await ownerStep(orderId, action, owner);
        if (status !== 200) misses.push(`${action} ${orderId}: ${status}`);
        // Reads between the changes: the time a client polling this status would spend.
        await new Promise((res) => setTimeout(res, 200));
      }
    }
  } finally {
    running = false;
    await Promise.all([watcher, ...readers]);
  }
  const staleness = reads.map((r) => r.staleMs);
  const stale = staleness.filter((ms) => ms > 0);
  return {
    reads: reads.length,
    staleReads: stale.length,
    ...percentiles(staleness),
    watcherPollP50Ms: percentiles(watchPolls).p50,
    misses,
  };
}

export type StalenessResult = Awaited<ReturnType<typeof phaseStaleness>>;
