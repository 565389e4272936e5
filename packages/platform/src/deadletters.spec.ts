/**
 * The dead-letter collector's answer to the sidecar, on a real socket: SUCCESS
 * only once the letter is stored; RETRY (a non-2xx status) when the database
 * refused it, so the sidecar delivers it again instead of dropping it. Its
 * counter (what the DeadLetters alert reads) counts letters stored, not deliveries.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/mysql';
import { TokenVerifier } from './auth.ts';
import { deadLetterRoutes } from './deadletters.ts';
import { createServiceApp, finishApp } from './http.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';

/** Inserts go to `stored`, or fail while `down` is set, as a database that is away would. */
const db = { down: false, stored: [] as unknown[] };
const orm = {
  em: {
    fork: () => ({
      insert: async (_entity: unknown, row: unknown) => {
        if (db.down) throw new Error('connect ECONNREFUSED');
        db.stored.push(row);
      },
    }),
  },
} as unknown as MikroORM;

let server: Server;
let base = '';
let metrics: Metrics;

beforeAll(async () => {
  const logger = createLogger('test', 'silent');
  metrics = new Metrics('test');
  // No sidecar token here: this spec is about what the routes do with a letter, not who may call them.
  const { app, router } = createServiceApp({ logger, metrics, sidecar: null, readiness: async () => ({ ok: true }) });
  const verifier = new TokenVerifier({
    secret: 'deadletters-spec-secret-of-at-least-32-chars',
    jwksUrl: undefined,
    issuer: 'test',
    audience: 'test',
  });
  router.use(deadLetterRoutes({ orm, pubsub: 'pubsub', verifier, logger, metrics }).router.routes());
  server = http.createServer(finishApp(app, router).callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

/** The counter's value for dead OrderPlaced events, as /metrics shows it. */
async function deadLettersCounted(): Promise<number> {
  const { values } = await metrics.eventsHandled.get();
  return values.find((v) => v.labels.topic === 'deadletters' && v.labels.type === 'OrderPlaced')?.value ?? 0;
}

const letter = (id: string) =>
  fetch(`${base}/events/deadletters`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({ id, topic: 'orders', type: 'OrderPlaced', source: 'order', data: { id } }),
  });

describe('dead-letter collector', () => {
  it('when the letter is stored, then it answers SUCCESS', async () => {
    db.down = false;
    const res = await letter('e1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'SUCCESS' });
    expect(db.stored).toHaveLength(1);
  });

  it('when the database refuses the letter, then it answers RETRY with a 5xx status', async () => {
    db.down = true;
    const res = await letter('e2');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ status: 'RETRY' });
    expect(db.stored).toHaveLength(1);
  });

  it('when a refused letter is delivered again and stored, then it is counted once', async () => {
    const before = await deadLettersCounted();
    db.down = true;
    expect((await letter('e3')).status).toBe(500);
    expect((await letter('e3')).status).toBe(500);
    db.down = false;
    expect((await letter('e3')).status).toBe(200);
    expect((await deadLettersCounted()) - before).toBe(1);
  });
});
