/**
 * Rate limits: the env format, the per-address and per-user limits through a
 * real app (createServiceApp on port 0: 429 problem with Retry-After, which
 * paths are never limited, a forged token spends nobody's budget), the
 * windows with a fake clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { issueToken, requireRole, TokenVerifier, type AuthUser } from './auth.ts';
import { ConfigError, readRateLimitConfig } from './config.ts';
import { createServiceApp, finishApp } from './http.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { AppError } from './problem.ts';
import {
  BURST_WINDOW_SECONDS,
  defaultRateLimits,
  isUnlimitedPath,
  limitUser,
  rateLimitMiddleware,
  type RateLimitConfig,
} from './ratelimit.ts';

const auth = {
  secret: 'unit-test-jwt-secret-of-at-least-32-chars',
  jwksUrl: undefined,
  issuer: 'baedal-test',
  audience: 'baedal',
};
const alice: AuthUser = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice', role: 'customer' };
const bob: AuthUser = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob', role: 'customer' };

describe('readRateLimitConfig', () => {
  it('when nothing is set, then the generous defaults apply and limiting is on', () => {
    expect(readRateLimitConfig({})).toEqual(defaultRateLimits);
    expect(defaultRateLimits.enabled).toBe(true);
  });

  it('when rate and burst are given, then both are read; a bare number has no burst', () => {
    const c = readRateLimitConfig({ RATE_LIMIT_PER_USER: '7,burst=20', RATE_LIMIT_PER_ADDRESS: ' 30 ' });
    expect(c.perUser).toEqual({ perSecond: 7, burst: 20 });
    expect(c.perAddress).toEqual({ perSecond: 30, burst: 0 });
  });

  it('when RATE_LIMIT_ENABLED is false or 0, then limiting is off', () => {
    expect(readRateLimitConfig({ RATE_LIMIT_ENABLED: 'false' }).enabled).toBe(false);
    expect(readRateLimitConfig({ RATE_LIMIT_ENABLED: '0' }).enabled).toBe(false);
    expect(readRateLimitConfig({ RATE_LIMIT_ENABLED: '' }).enabled).toBe(true);
  });

  it.each([['fast'], ['0'], ['10/20'], ['10,20'], ['-1'], ['10,burst=']])(
    'when a limit reads %p, then the service refuses to start',
    (value) => {
      expect(() => readRateLimitConfig({ RATE_LIMIT_PER_USER: value })).toThrow(ConfigError);
    },
  );
});

describe('isUnlimitedPath', () => {
  it.each([
    ['/healthz', true],
    ['/readyz', true],
    ['/metrics', true],
    ['/dapr/subscribe', true],
    ['/events/orders', true],
    ['/internal/payments', true],
    ['/internal', true],
    ['/api/orders', false],
    ['/healthz/x', false],
    ['/internalx', false],
    ['/api/internal/x', false],
    ['/', false],
  ])('%s → %p', (path, unlimited) => {
    expect(isUnlimitedPath(path)).toBe(unlimited);
  });
});

const SIDECAR_TOKEN = 'unit-test-app-api-token';

/** One service app with small limits, a public route and a customer-only one. */
function limitedApp(config: RateLimitConfig, behindProxy = true): Koa {
  const verifier = new TokenVerifier(auth);
  const { app, router } = createServiceApp({
    logger: createLogger('test', 'silent'),
    metrics: new Metrics('test'),
    readiness: async () => ({ ok: true }),
    rateLimit: { config, exempt: (ctx) => ctx.path === '/api/exempt' },
    behindProxy,
    sidecar: { appApiToken: SIDECAR_TOKEN },
  });
  router.get('/api/public', (ctx) => {
    ctx.body = { ip: ctx.ip };
  });
  router.get('/api/exempt', (ctx) => {
    ctx.body = {};
  });
  router.get('/api/mine', requireRole(verifier, 'customer'), (ctx) => {
    ctx.body = {};
  });
  router.post('/internal/work', (ctx) => {
    ctx.body = {};
  });
  return finishApp(app, router);
}

const servers: Server[] = [];
async function start(app: Koa): Promise<string> {
  const server = http.createServer(app.callback());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const get = (base: string, path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
const statuses = async (n: number, send: () => Promise<Response>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send()).status);
  return out;
};

describe('rate limits in createServiceApp', () => {
  const small: RateLimitConfig = {
    enabled: true,
    perAddress: { perSecond: 3, burst: 2 },
    perUser: { perSecond: 2, burst: 1 },
  };
  let base = '';
  beforeAll(async () => {
    base = await start(limitedApp(small));
  });

  it('when one address sends more than its rate and burst, then it gets a 429 problem with Retry-After', async () => {
    const from = { 'x-forwarded-for': '203.0.113.1' };
    const answers = await statuses(5, () => get(base, '/api/public', from));
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    const res = await get(base, '/api/public', from);
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(BURST_WINDOW_SECONDS);
    expect(await res.json()).toMatchObject({
      type: '/problems/rate-limited',
      title: 'Too many requests',
      status: 429,
      instance: '/api/public',
    });
  });

  it('when another address sends, then it has a budget of its own', async () => {
    expect(await statuses(5, () => get(base, '/api/public', { 'x-forwarded-for': '203.0.113.2' }))).toEqual([
      200, 200, 200, 200, 200,
    ]);
  });

  it('when the service is the first hop (behindProxy false), then X-Forwarded-For counts for nothing', async () => {
    const first = await start(limitedApp(small, false));
    const forged = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i}` });
    expect(await (await get(first, '/api/public', forged(0))).json()).toEqual({ ip: '127.0.0.1' });
    // Each request claims another address; the socket's one budget (3 + burst 2, one spent above) runs out anyway.
    const answers: number[] = [];
    for (let i = 1; i <= 5; i++) answers.push((await get(first, '/api/public', forged(i))).status);
    expect(answers).toEqual([200, 200, 200, 200, 429]);
  });

  it('when a client writes its own X-Forwarded-For entry, then the hop the proxy appended is the key', async () => {
    const forged = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i}, 203.0.113.3` });
    const res = await get(base, '/api/public', forged(0));
    expect(await res.json()).toEqual({ ip: '203.0.113.3' });
    const answers: number[] = [];
    for (let i = 1; i <= 5; i++) answers.push((await get(base, '/api/public', forged(i))).status);
    expect(answers).toEqual([200, 200, 200, 200, 429]);
  });

  it('when probes, metrics, sidecar routes or exempt requests come in bulk, then none is limited', async () => {
    const from = { 'x-forwarded-for': '203.0.113.4' };
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/exempt']) {
      expect(new Set(await statuses(8, () => get(base, path, from)))).toEqual(new Set([200]));
    }
    const internal = await statuses(8, () =>
      fetch(`${base}/internal/work`, { method: 'POST', headers: { ...from, 'dapr-api-token': SIDECAR_TOKEN } }),
    );
    expect(new Set(internal)).toEqual(new Set([200]));
    expect((await get(base, '/api/public', from)).status).toBe(200);
  });

  it('when one user sends more than its rate and burst from many addresses, then the user gets 429 and others do not', async () => {
    const [aliceToken, bobToken] = await Promise.all([issueToken(auth, alice), issueToken(auth, bob)]);
    const as = (token: string, i: number) => ({
      authorization: `Bearer ${token}`,
      'x-forwarded-for': `192.0.2.${i}`,
    });
    const answers: number[] = [];
    for (let i = 0; i < 4; i++) answers.push((await get(base, '/api/mine', as(aliceToken, i))).status);
    expect(answers).toEqual([200, 200, 200, 429]);
    const res = await get(base, '/api/mine', as(aliceToken, 10));
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({
      type: '/problems/rate-limited',
      detail: expect.stringMatching(/account/),
    });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await get(base, '/api/mine', as(bobToken, 20))).status).toBe(200);
  });

  it("when tokens with someone's id are forged, then they are refused and spend nothing of that user's budget", async () => {
    const carol: AuthUser = { id: '00000000-0000-4000-8000-00000000000c', username: 'carol', role: 'customer' };
    const forged = await issueToken({ ...auth, secret: 'another-secret-that-is-at-least-32-chars' }, carol);
    for (let i = 0; i < 6; i++) {
      const res = await get(base, '/api/mine', {
        authorization: `Bearer ${forged}`,
        'x-forwarded-for': `192.0.2.${100 + i}`,
      });
      expect(res.status).toBe(401);
    }
    const real = await issueToken(auth, carol);
    expect(
      (await get(base, '/api/mine', { authorization: `Bearer ${real}`, 'x-forwarded-for': '192.0.2.200' })).status,
    ).toBe(200);
  });
});

describe('rate limits switched off', () => {
  it('when RATE_LIMIT_ENABLED is false, then nothing is ever limited', async () => {
    const base = await start(
      limitedApp({ ...defaultRateLimits, enabled: false, perAddress: { perSecond: 1, burst: 0 } }),
    );
    expect(new Set(await statuses(10, () => get(base, '/api/public')))).toEqual(new Set([200]));
  });
});

describe('the windows (fake clock)', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  /** Runs the middleware alone on a bare context; resolves to the status it would answer. */
  async function send(
    mw: Koa.Middleware,
    ip: string,
    userId?: string,
  ): Promise<{ status: number; retryAfter?: string }> {
    const ctx = { path: '/api/x', ip } as unknown as Koa.Context;
    try {
      await mw(ctx, async () => {
        if (userId) await limitUser(ctx, userId);
      });
      return { status: 200 };
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return { status: e.status, retryAfter: e.headers['Retry-After'] };
    }
  }

  it('when the second is over, then the per-second budget is back; the burst comes back after its window', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-26T00:00:00.000Z') });
    const mw = rateLimitMiddleware({
      enabled: true,
      perAddress: { perSecond: 2, burst: 3 },
      perUser: { perSecond: 100, burst: 0 },
    });
    const burstOf = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await send(mw, '10.0.0.1')).status);
      return out;
    };
    // 2 per second plus the burst of 3, then refused for the rest of the second.
    expect(await burstOf(6)).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await send(mw, '10.0.0.1')).retryAfter).toBe('1');
    // Next second: the per-second budget again, the burst still spent.
    jest.advanceTimersByTime(1000);
    expect(await burstOf(3)).toEqual([200, 200, 429]);
    // Once the burst window is over, the burst is there again.
    jest.advanceTimersByTime(BURST_WINDOW_SECONDS * 1000);
    expect(await burstOf(6)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('when a request passes requireRole twice, then the user is charged once', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-26T00:00:00.000Z') });
    const mw = rateLimitMiddleware({
      enabled: true,
      perAddress: { perSecond: 100, burst: 0 },
      perUser: { perSecond: 2, burst: 0 },
    });
    const ctx = { path: '/api/x', ip: '10.0.0.2' } as unknown as Koa.Context;
    await mw(ctx, async () => {
      await limitUser(ctx, alice.id);
      await limitUser(ctx, alice.id);
    });
    expect((await send(mw, '10.0.0.2', alice.id)).status).toBe(200);
    expect((await send(mw, '10.0.0.2', alice.id)).status).toBe(429);
  });

  it('when no limiter is mounted, then limitUser does nothing', async () => {
    await expect(limitUser({}, alice.id)).resolves.toBeUndefined();
  });
});
