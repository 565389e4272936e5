/**
 * A subscription route's answers: a handler error of an unreachable
 * dependency fails slowly (UNREACHABLE_HOLD_MS, so the inbound retries outlast
 * a database restart), any other error at once.
 */
import { describe, expect, it } from '@jest/globals';
import Router from '@koa/router';
import Koa from 'koa';
import { z } from 'zod';
import { SidecarUnavailableError } from './dapr.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { isUnreachable, mountSubscriptions, subscription, UNREACHABLE_HOLD_MS } from './subscriptions.ts';

describe('isUnreachable', () => {
  it('when a driver error says the connection was refused or lost, then it is unreachable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:13306'), { code: 'ECONNREFUSED' });
    expect(isUnreachable(refused)).toBe(true);
    expect(isUnreachable(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' }))).toBe(true);
    expect(isUnreachable(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(isUnreachable(new SidecarUnavailableError('state get failed'))).toBe(true);
  });

  it('when the work itself failed (a missing row, a conflict, a bug), then it is not', () => {
    expect(isUnreachable(new Error('order 42 not found for a delivery event; retry'))).toBe(false);
    expect(isUnreachable(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY' }))).toBe(false);
    expect(isUnreachable(undefined)).toBe(false);
  });
});

describe('a subscription route', () => {
  async function answerTo(error: Error): Promise<{ status: number; ms: number }> {
    const app = new Koa();
    const router = new Router();
    app.use(async (ctx, next) => {
      ctx.request.body = { id: 'e1', data: { id: 'e1', type: 'Thing' } };
      await next();
    });
    mountSubscriptions(
      router,
      { pubsub: 'pubsub', logger: createLogger('test', 'silent'), metrics: new Metrics('test') },
      [
        subscription('things', z.object({ id: z.string(), type: z.string() }), async () => {
          throw error;
        }),
      ],
    );
    app.use(router.routes());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as { port: number };
      const t0 = Date.now();
      const res = await fetch(`http://127.0.0.1:${port}/events/things`, { method: 'POST' });
      return { status: res.status, ms: Date.now() - t0 };
    } finally {
      server.close();
    }
  }

  it('when the database cannot be reached, then it answers RETRY only after the hold', async () => {
    const r = await answerTo(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(r.status).toBe(500);
    expect(r.ms).toBeGreaterThanOrEqual(UNREACHABLE_HOLD_MS - 50);
  });

  it('when the handler fails for another reason, then it answers RETRY at once', async () => {
    const r = await answerTo(new Error('order not found; retry'));
    expect(r.status).toBe(500);
    expect(r.ms).toBeLessThan(UNREACHABLE_HOLD_MS / 2);
  });
});
