/**
 * Two outbox relays over one outbox table, as two replicas of a service run
 * them: the real MariaDB of the local stack (a database of this test's own), its
 * row claims under test. Publishes are counted at the sidecar client each relay
 * calls: every event leaves exactly once, and an event of a key leaves only after the key's
 * previous event was published (its publish call had returned). The same
 * table then shows what the retention job deletes.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MikroORM } from '@mikro-orm/mysql';
import { createLogger, DaprSidecar, Metrics } from '@baedal/platform';
import { makeEvent } from '@baedal/platform/contracts/events';
import {
  enqueue,
  insertEvent,
  OutboxMessage,
  OutboxRelay,
  outboxTableSql,
  outboxTraceparentSql,
} from '@baedal/platform/outbox';
import { outboxClaimsSql } from '@baedal/platform/outbox-claims';
import { processedEventByAgeIndexSql, processedEventTableSql } from '@baedal/platform/inbox';
import { prune, retentionTargets } from '@baedal/platform/retention';
import { outboxRedriveColumnSql } from '@baedal/platform/outbox-redrive';
import { infra, mariadbSocket } from '../../tools/stack/env-instance.ts';

const DB = 'baedal_outbox_relays';
const USER = 'outbox_relays_test';
/** Local demo value: the user exists only in the local stack's MariaDB, for this test. */
const PASSWORD = 'outbox-relays-local-demo-pass';
const TOPIC = 'outbox-relays-test';
// More keys than one claim (100 rows) covers, so the second relay always finds keys the first does not hold.
const KEYS = 80;
const EVENTS_PER_KEY = 4;

function rootSql(query: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mariadb', ['--no-defaults', `--socket=${mariadbSocket()}`, '-uroot', '--batch', '-e', query], (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

interface Publish {
  relay: string;
  ids: string[];
  started: number;
  ended: number;
}

/**
 * A sidecar client whose publish calls are written down (which relay, which
 * events, when) and answered after a short random wait, as a sidecar would.
 * Not the real sidecar: its pub/sub scopes let the order service publish only
 * its own topics (a test topic is refused), and a test event on a real topic
 * would reach real consumers. What is under test is the claims in MariaDB.
 */
function countingSidecar(relay: string, log: Publish[]): DaprSidecar {
  const dapr = new DaprSidecar({ host: '127.0.0.1', httpPort: 1, apiToken: undefined });
  const clock = () => performance.now();
  // About what the real sidecar takes for a bulk publish to Redis here.
  const answer = () => sleep(3 + Math.random() * 5);
  dapr.publish = async (_pubsub, _topic, ce) => {
    const started = clock();
    await answer();
    log.push({ relay, ids: [String(ce.id)], started, ended: clock() });
  };
  dapr.publishBulk = async (_pubsub, _topic, entries) => {
    const started = clock();
    await answer();
    log.push({ relay, ids: entries.map((e) => e.entryId), started, ended: clock() });
    return new Map<string, string>();
  };
  return dapr;
}

describe('two outbox relays over one table', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    await rootSql(
      [
        `drop database if exists ${DB}`,
        `create database ${DB} character set utf8mb4 collate utf8mb4_unicode_ci`,
        `create user if not exists '${USER}'@'127.0.0.1' identified by '${PASSWORD}'`,
        `grant all privileges on ${DB}.* to '${USER}'@'127.0.0.1'`,
      ].join(';\n'),
    );
    orm = await MikroORM.init({
      dbName: DB,
      host: '127.0.0.1',
      port: infra.mariadb.port,
      user: USER,
      password: PASSWORD,
      entities: [OutboxMessage],
      timezone: '+00:00',
      forceUtcTimezone: true,
      allowGlobalContext: false,
      debug: false,
    });
    // The outbox as the services' migrations build it, from the same DDL.
    const em = orm.em.fork();
    const ddl = [
      outboxTableSql,
      outboxRedriveColumnSql,
      ...outboxClaimsSql,
      outboxTraceparentSql,
      processedEventTableSql,
      processedEventByAgeIndexSql,
    ];
    for (const sql of ddl) await em.execute(sql);
  });

  afterAll(async () => {
    await orm?.close();
    await rootSql(`drop database if exists ${DB}`);
  });

  it('when two relays drain one table, then every event is published once and each key in order', async () => {
    // Events of each key interleaved with the other keys', two per transaction (they share a millisecond).
    const keys = Array.from({ length: KEYS }, () => crypto.randomUUID());
    const expected = new Map<string, { key: string; n: number }>();
    for (let n = 0; n < EVENTS_PER_KEY; n += 2) {
      for (const key of keys) {
        await orm.em.fork().transactional(async (em) => {
          for (const i of [n, n + 1]) {
            const event = makeEvent('OrderAccepted', { orderId: key, data: { customerId: key, storeId: key } });
            expected.set(event.id, { key, n: i });
            await insertEvent(em, 'orders', event);
          }
        });
      }
    }

    const log: Publish[] = [];
    const relays = ['A', 'B'].map(
      (name) =>
        new OutboxRelay({
          orm,
          dapr: countingSidecar(name, log),
          pubsub: 'pubsub',
          source: 'outbox-relays-test',
          logger: createLogger(`relay-${name}`, 'warn'),
          metrics: new Metrics(`relay-${name}`),
          pollMs: 20,
        }),
    );
    for (const relay of relays) relay.start();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const left = await orm.em.fork().count(OutboxMessage, { state: { $ne: 'published' } });
      if (left === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(relays.map((relay) => relay.stop()));

    // Exactly once: each event id in exactly one successful publish call, of either relay.
    const times = new Map<string, number>();
    for (const call of log) for (const id of call.ids) times.set(id, (times.get(id) ?? 0) + 1);
    const twice = [...times].filter(([, count]) => count > 1);
    const never = [...expected.keys()].filter((id) => !times.has(id));
    expect({ twice: twice.length, never: never.length }).toEqual({ twice: 0, never: 0 });

    // Per key: event n+1's call started after the call that published event n had returned.
    const callOf = new Map(log.flatMap((call) => call.ids.map((id) => [id, call] as const)));
    const byKey = new Map<string, Publish[]>();
    for (const [id, { key, n }] of expected) {
      const list = byKey.get(key) ?? Array<Publish>(EVENTS_PER_KEY);
      list[n] = callOf.get(id) as Publish;
      byKey.set(key, list);
    }
    const overtaken: string[] = [];
    for (const [key, calls] of byKey) {
      for (let n = 1; n < calls.length; n++) {
        const before = calls[n - 1] as Publish;
        const after = calls[n] as Publish;
        if (after.started < before.ended) overtaken.push(`${key}#${n} (relay ${after.relay} after ${before.relay})`);
      }
    }
    expect(overtaken).toEqual([]);
    const share = Object.fromEntries(
      ['A', 'B'].map((r) => [r, log.filter((c) => c.relay === r).flatMap((c) => c.ids).length]),
    );
    console.log(`outbox relays: ${expected.size} events, published by relay A/B: ${share.A}/${share.B}`);
    // Both relays took part: otherwise nothing above tested the claims between them.
    expect(share.A).toBeGreaterThan(0);
    expect(share.B).toBeGreaterThan(0);
  });

  it('when a transaction that wrote an event commits, then the relay publishes it at once; a rolled-back one publishes nothing', async () => {
    await orm.em.fork().execute('delete from outbox', [], 'run');
    const log: Publish[] = [];
    // A poll far longer than the test: only the commit itself can start the publish.
    const relay = new OutboxRelay({
      orm,
      dapr: countingSidecar('C', log),
      pubsub: 'pubsub',
      source: 'outbox-relays-test',
      logger: createLogger('relay-C', 'warn'),
      metrics: new Metrics('relay-C'),
      pollMs: 600_000,
    });
    relay.start();
    await sleep(200); // the start's own pass ends on an empty table
    const key = crypto.randomUUID();
    const event = (n: number) =>
      makeEvent('OrderAccepted', { orderId: key, data: { customerId: key, storeId: `${n}` } });
    const kept = event(1);
    const rolledBack = event(2);
    await orm.em
      .fork()
      .transactional(async (em) => {
        enqueue(em, 'orders', rolledBack);
        await em.flush();
        throw new Error('rolled back on purpose');
      })
      .catch(() => undefined);
    const committedAt = performance.now();
    await orm.em.fork().transactional(async (em) => enqueue(em, 'orders', kept));
    const deadline = Date.now() + 5_000;
    while (!log.some((c) => c.ids.includes(kept.id)) && Date.now() < deadline) await sleep(10);
    await relay.stop();
    const published = log.find((c) => c.ids.includes(kept.id));
    console.log(
      `outbox relay: published ${published ? (published.ended - committedAt).toFixed(0) : '-'} ms after the commit (poll 600 s)`,
    );
    expect(published).toBeDefined();
    expect(log.flatMap((c) => c.ids)).not.toContain(rolledBack.id);
  });

  it('when rows are older than the retention age, then only those (and no pending event) are deleted, in batches', async () => {
    const em = orm.em.fork();
    const days = 7;
    const old = new Date(Date.now() - (days + 1) * 86_400_000);
    const outboxRow = (state: string, createdAt: Date) => {
      const id = crypto.randomUUID();
      const payload = JSON.stringify({ id });
      return em.execute(
        `insert into outbox (id, topic, type, partition_key, payload, state, attempts, created_at)
         values (?, ?, 'OutboxRelaysTest', 'retention', ?, ?, 0, ?)`,
        [id, TOPIC, payload, state, createdAt],
        'run',
      );
    };
    await em.execute('delete from outbox', [], 'run');
    for (let i = 0; i < 5; i++) await outboxRow('published', old);
    await outboxRow('pending', old);
    await outboxRow('parked', new Date());
    await outboxRow('published', new Date());
    for (const at of [old, old, old, new Date()]) {
      await em.execute('insert into processed_event (event_id, type, processed_at) values (?, ?, ?)', [
        crypto.randomUUID(),
        'OutboxRelaysTest',
        at,
      ]);
    }
    const deleted = await prune(em, { days, targets: [retentionTargets.outbox, retentionTargets.inbox], batch: 2 });
    expect(deleted).toEqual({ outbox: 5, processed_event: 3 });
    const left = await em.execute<{ state: string }[]>('select state from outbox order by state');
    expect(left.map((r) => r.state)).toEqual(['parked', 'pending', 'published']);
    // Bounded: one DELETE of at most `batch` rows, `maxBatches` times per run.
    for (let i = 0; i < 5; i++) await outboxRow('published', old);
    expect(await prune(em, { days, targets: [retentionTargets.outbox], batch: 2, maxBatches: 2 })).toEqual({
      outbox: 4,
    });
  });
});
