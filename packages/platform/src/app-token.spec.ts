/**
 * The app API token check on a real socket: sidecar-only paths need the
 * sidecar's `dapr-api-token`, however the path is spelled; other paths do not;
 * a refused request never reaches its route.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isSidecarPath } from './app-token.ts';
import { createServiceApp, finishApp } from './http.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { defaultRateLimits } from './ratelimit.ts';

const TOKEN = 'unit-test-app-api-token';

describe('isSidecarPath', () => {
  it.each([
    ['/internal/payments', true],
    ['/internal', true],
    ['/events/orders', true],
    ['/dapr/subscribe', true],
    ['/INTERNAL/payments', true],
    ['/%69nternal/payments', true],
    ['//internal/payments', true],
    ['/Dapr/Subscribe/', true],
    ['/api/internal/x', false],
    ['/internals', false],
    ['/healthz', false],
    ['/api/orders', false],
  ])('%s → %p', (path, sidecarOnly) => {
    expect(isSidecarPath(path)).toBe(sidecarOnly);
  });
});

const servers: Server[] = [];
/** One app with a sidecar-only route that counts the requests it got, and a public one. */
async function start(appApiToken: string | undefined) {
  const seen = { internal: 0 };
  const { app, router } = createServiceApp({
    logger: createLogger('test', 'silent'),
    metrics: new Metrics('test'),
    readiness: async () => ({ ok: true }),
    rateLimit: { config: defaultRateLimits },
    sidecar: { appApiToken },
  });
  router.post('/internal/payments', (ctx) => {
    seen.internal += 1;
    ctx.status = 201;
    ctx.body = { ok: true };
  });
  router.get('/api/things', (ctx) => {
    ctx.body = [];
  });
  const server = http.createServer(finishApp(app, router).callback());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const post = (base: string, path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"orderId":"x"}',
  });

describe('app API token', () => {
  let app: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    app = await start(TOKEN);
  });

  it('when the sidecar calls with its token, then the route answers', async () => {
    const res = await post(app.base, '/internal/payments', { 'dapr-api-token': TOKEN });
    expect(res.status).toBe(201);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { 'dapr-api-token': 'not-the-token' }],
    ['the token with a suffix', { 'dapr-api-token': `${TOKEN}x` }],
    ['an empty token', { 'dapr-api-token': '' }],
    ['a bearer header instead', { authorization: `Bearer ${TOKEN}` }],
  ])('when a caller sends %s, then 401 problem and the route never runs', async (_what, headers) => {
    const before = app.seen.internal;
    for (const path of ['/internal/payments', '/INTERNAL/payments', '/%69nternal/payments']) {
      const res = await post(app.base, path, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({ type: '/problems/sidecar-only', status: 401 });
    }
    expect(app.seen.internal).toBe(before);
  });

  it('when a path is not sidecar-only, then no token is needed', async () => {
    expect((await fetch(`${app.base}/api/things`)).status).toBe(200);
    expect((await fetch(`${app.base}/healthz`)).status).toBe(200);
  });

  it('when no token is configured, then every sidecar-only request is refused, the right-looking one too', async () => {
    const open = await start(undefined);
    expect((await post(open.base, '/internal/payments', { 'dapr-api-token': TOKEN })).status).toBe(401);
    expect((await post(open.base, '/internal/payments', { 'dapr-api-token': '' })).status).toBe(401);
    expect(open.seen.internal).toBe(0);
  });
});
