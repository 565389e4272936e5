/**
 * When the event pipeline has caught up (every outbox relayed, every consumer
 * group of every stream done) and the machine is calm again: the end of an
 * order run counts from there, and each phase starts from there.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type mysql from 'mysql2/promise';
import { redis, rootDb } from './instance.ts';
import { instanceBroker, log } from './settings.ts';

const topicsToWatch = ['orders', 'deliveries', 'payments', 'catalog'];

/**
 * Whether every event is out and handled: no outbox holds a pending event, and
 * every consumer group of every topic's stream has read and acknowledged all.
 */
async function eventsCaughtUp(db: mysql.Connection): Promise<boolean> {
  const [rows] = await db.query(
    ['baedal_order', 'baedal_payment', 'baedal_store', 'baedal_delivery']
      .map((d) => `select count(*) as n from ${d}.outbox where state = 'pending'`)
      .join(' union all '),
  );
  if ((rows as { n: number }[]).some((r) => Number(r.n) > 0)) return false;
  // On Kafka the consumer groups' lag is not read (that would take a Kafka client): the
  // outboxes, then settle()'s idle CPU, tell when the events are handled.
  if (instanceBroker === 'kafka') return true;
  for (const topic of topicsToWatch) {
    let groups: unknown;
    try {
      groups = await redis('XINFO', 'GROUPS', topic);
    } catch {
      continue; // no stream yet: nothing was published on this topic
    }
    for (const g of groups as unknown[][]) {
      const fields = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) fields.set(String(g[i]), g[i + 1]);
      if (Number(fields.get('pending') ?? 0) > 0 || Number(fields.get('lag') ?? 0) > 0) return false;
    }
  }
  return true;
}

/** Polls until every event is out and handled (or the deadline); returns when that was. */
export async function waitForEvents(deadline: number): Promise<number> {
  const db = await rootDb();
  try {
    while (!(await eventsCaughtUp(db)) && performance.now() < deadline) await sleep(50);
    return performance.now();
  } finally {
    await db.end();
  }
}

/**
 * Waits until the previous phase's work is done: no event waiting in any
 * outbox, then the machine's CPU mostly idle (subscribers have caught up).
 */
export async function settle(maxSeconds = 45): Promise<void> {
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  await waitForEvents(deadline);
  const cpu = () => {
    const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const eventSeconds = (performance.now() - started) / 1000;
  let calm = 0;
  while (calm < 2 && performance.now() < deadline) {
    const a = cpu();
    await sleep(500);
    const b = cpu();
    const busy = 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
    calm = busy < 0.25 ? calm + 1 : 0;
  }
  log(
    `settled in ${((performance.now() - started) / 1000).toFixed(1)}s ` +
      `(events handled after ${eventSeconds.toFixed(1)}s, then until the CPU was idle)`,
  );
}
