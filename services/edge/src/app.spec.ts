/**
 * The edge mounted on port 0 in front of a fake upstream (one small node:http
 * server playing every service) and one dead port: login, proxying with
 * streaming both ways, 503 for a dead upstream, and the pages it serves.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http, { type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, Metrics, TokenVerifier } from '@baedal/platform';
import { buildApp } from './app.ts';
import { readConfig } from './config.ts';
import { Credentials } from './domain/credentials.ts';

const seen: { method: string; url: string; headers: IncomingMessage['headers']; bytes: number }[] = [];
let releaseSecondEvent: () => void = () => undefined;

/** Answers like the services would: echoes requests, streams SSE, passes a problem. */
const fakeUpstream = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes: body.length });
    if (req.url?.endsWith('/stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: {"status":"PAID"}\n\n');
      releaseSecondEvent = () => {
        res.write('data: {"status":"ACCEPTED"}\n\n');
        res.end();
      };
      return;
    }
    if (req.url?.startsWith('/api/orders/missing')) {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: '/problems/not-found', title: 'Not found', status: 404, detail: 'Order x.' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        contentType: req.headers['content-type'],
        bytes: body.length,
        head: body.subarray(0, 16).toString('utf8'),
      }),
    );
  });
});

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

let edge: Server;
let base = '';
let deadPort = 0;
let closeApp: () => void = () => undefined;
const secret = 'unit-test-jwt-secret-of-at-least-32-chars';

beforeAll(async () => {
  const up = `http://127.0.0.1:${await listen(fakeUpstream)}`;
  const dead = http.createServer();
  deadPort = await listen(dead);
  await new Promise((r) => dead.close(r));
  const config = readConfig({
    SERVICE_NAME: 'edge',
    APP_PORT: '0',
    LOG_LEVEL: 'silent',
    JWT_SECRET: secret,
    JWT_ISSUER: 'baedal-test',
    JWT_AUDIENCE: 'baedal',
    DEMO_DATA: 'true',
    LOGIN_ATTEMPTS_PER_USERNAME: '3',
    UPSTREAM_ORDER: up,
    UPSTREAM_PAYMENT: `http://127.0.0.1:${deadPort}`,
    UPSTREAM_STORE: up,
    UPSTREAM_DELIVERY: up,
    UPSTREAM_CUSTOMER: up,
  });
  const built = buildApp({
    config,
    logger: createLogger('edge', 'silent'),
    metrics: new Metrics('edge'),
    credentials: await Credentials.create({ demoData: true }),
  });
  closeApp = built.close;
  edge = http.createServer(built.app.callback());
  base = `http://127.0.0.1:${await listen(edge)}`;
});

afterAll(async () => {
  closeApp();
  edge.closeAllConnections();
  fakeUpstream.closeAllConnections();
  await new Promise((r) => edge.close(r));
  await new Promise((r) => fakeUpstream.close(r));
});

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('POST /api/auth/login', () => {
  it('when the demo credentials are right, then it answers a bearer token every service accepts', async () => {
    const res = await post('/api/auth/login', { username: 'owner1', password: 'demo-pass' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { accessToken: string; tokenType: string; expiresIn: number; user: unknown };
    expect(body.tokenType).toBe('Bearer');
    expect(body.expiresIn).toBe(3600);
    expect(body.user).toMatchObject({ username: 'owner1', role: 'owner', storeId: expect.any(String) });
    const verifier = new TokenVerifier({ secret, jwksUrl: undefined, issuer: 'baedal-test', audience: 'baedal' });
    expect(await verifier.verify(body.accessToken)).toEqual(body.user);
  });

  it('when the password is wrong, then 401 problem', async () => {
    const res = await post('/api/auth/login', { username: 'alice', password: 'nope' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ type: '/problems/unauthorized', status: 401 });
  });

  it('when the body has unknown fields, then 400 with the field named', async () => {
    const res = await post('/api/auth/login', { username: 'alice', password: 'demo-pass', role: 'admin' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
  });

  it('when one username has failed its 3 attempts, then even its right password gets 429; another username logs in', async () => {
    const wrong = [];
    for (let i = 0; i < 3; i++) wrong.push((await post('/api/auth/login', { username: 'bob', password: 'x' })).status);
    expect(wrong).toEqual([401, 401, 401]);
    const refused = await post('/api/auth/login', { username: 'bob', password: 'demo-pass' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(await refused.json()).toMatchObject({ type: '/problems/rate-limited', status: 429 });
    expect((await post('/api/auth/login', { username: 'rider1', password: 'demo-pass' })).status).toBe(200);
  });

  it('when a username logs in right, then its failed attempts are forgotten', async () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) await post('/api/auth/login', { username: 'rider2', password: 'x' });
      expect((await post('/api/auth/login', { username: 'rider2', password: 'demo-pass' })).status).toBe(200);
    }
  });
});

describe('login without accounts', () => {
  it('when there is no demo data, then the login route and its documentation are absent', async () => {
    const config = readConfig({
      SERVICE_NAME: 'edge',
      APP_PORT: '0',
      JWT_SECRET: secret,
      JWT_ISSUER: 'baedal-test',
      JWT_AUDIENCE: 'baedal',
      ...Object.fromEntries(['ORDER', 'PAYMENT', 'STORE', 'DELIVERY', 'CUSTOMER'].map((u) => [`UPSTREAM_${u}`, base])),
    });
    const built = buildApp({
      config,
      logger: createLogger('edge', 'silent'),
      metrics: new Metrics('edge'),
      credentials: await Credentials.create({ demoData: false }),
    });
    expect(built.loginEnabled).toBe(false);
    const server = http.createServer(built.app.callback());
    const other = `http://127.0.0.1:${await listen(server)}`;
    try {
      const res = await fetch(`${other}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'demo-pass' }),
      });
      expect(res.status).toBe(404);
      const doc = (await (await fetch(`${other}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(doc.paths['/api/auth/login']).toBeUndefined();
    } finally {
      built.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('proxy', () => {
  it('when a GET matches a route, then method, path, query and forwarding headers reach the upstream', async () => {
    const res = await fetch(`${base}/api/stores/5e0d/menu?x=1&y=%20`, { headers: { 'x-request-id': 'req-42' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(res.headers.get('x-request-id')).toBe('req-42');
    expect(await res.json()).toMatchObject({ method: 'GET', url: '/api/stores/5e0d/menu?x=1&y=%20' });
    const h = seen.at(-1)?.headers ?? {};
    expect(h['x-request-id']).toBe('req-42');
    expect(h['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe(new URL(base).host);
  });

  it('when the caller sends no request id, then the edge makes one and passes it on', async () => {
    const res = await fetch(`${base}/api/notifications`);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.at(-1)?.headers['x-request-id']).toBe(id);
  });

  it('when a POST carries a body the edge itself would refuse (not JSON, over 64 KiB), then it reaches the upstream untouched', async () => {
    const body = 'hello, upstream ' + 'x'.repeat(100 * 1024);
    const res = await fetch(`${base}/api/orders`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      method: 'POST',
      contentType: 'text/plain',
      bytes: Buffer.byteLength(body),
      head: 'hello, upstream ',
    });
  });

  it('when the upstream streams server-sent events, then each event reaches the client as it is sent', async () => {
    const res = await fetch(`${base}/api/order-status/abc/stream`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const text = new TextDecoder();
    // The upstream has not ended the response: the first event must arrive anyway.
    expect(text.decode((await reader.read()).value)).toBe('data: {"status":"PAID"}\n\n');
    releaseSecondEvent();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += text.decode(r.value);
    expect(rest).toBe('data: {"status":"ACCEPTED"}\n\n');
  });

  it('when the upstream answers a problem, then status and body pass through unchanged', async () => {
    const res = await fetch(`${base}/api/orders/missing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'Order x.',
    });
  });

  it('when the upstream is unreachable, then 503 problem with Retry-After', async () => {
    const res = await fetch(`${base}/api/payments?orderId=1`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ type: '/problems/unavailable', status: 503 });
  });

  it('when a body comes with a method the path does not document, then 405 with Allow; a documented GET with a body 400; neither proxied', async () => {
    // fetch() refuses a GET with a body; node:http sends one.
    const send = (method: string, path: string) =>
      new Promise<{ status: number; allow: string | undefined }>((resolve, reject) => {
        const req = http.request(
          `${base}${path}`,
          { method, headers: { 'content-type': 'application/json', 'content-length': '2' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow }));
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
    const before = seen.length;
    expect(await send('GET', '/api/orders/6a1f0c2e-1111-4d2a-8b11-000000000101/cancel')).toEqual({
      status: 405,
      allow: 'POST',
    });
    expect(await send('GET', '/api/orders')).toEqual({ status: 400, allow: undefined });
    expect(seen.length).toBe(before);
  });

  it.each(['/internal/payments', '/dapr/subscribe', '/events/orders', '/api/orders/%2e%2e/%2e%2e/internal/payments'])(
    'when the path is %s, then it is never proxied',
    async (path) => {
      const before = seen.length;
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(404);
      expect(seen.length).toBe(before);
    },
  );
});

describe('pages', () => {
  it('when / is asked, then the web UI is served with a strict CSP', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<script type="module" src="/app.js">');
    expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toContain('javascript');
  });

  it('when a problem type is asked, then a short page explains it', async () => {
    const res = await fetch(`${base}/problems/unavailable`);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('Retry-After');
    expect((await fetch(`${base}/problems/nope`)).status).toBe(404);
  });

  it('when /openapi.json is asked, then an OpenAPI 3.2 document answers', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.2.0');
  });

  it('when /asyncapi.json is asked, then the AsyncAPI 3.0 document of the events answers, like /openapi.json', async () => {
    const res = await fetch(`${base}/asyncapi.json`);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const doc = (await res.json()) as { asyncapi: string; channels: Record<string, unknown> };
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.channels.orders).toBeDefined();
  });

  it('when an upstream is down, then /readyz says which and answers 503', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not-ready',
      checks: { order: true, payment: false, store: true, delivery: true, customer: true },
    });
  });
});

describe('behind an Ingress (BEHIND_PROXY=true), where every path the Ingress does not give a service reaches the edge', () => {
  let proxied: Server;
  let proxiedBase = '';
  let closeProxied: () => void = () => undefined;
  beforeAll(async () => {
    const built = buildApp({
      config: readConfig({
        SERVICE_NAME: 'edge',
        APP_PORT: '0',
        LOG_LEVEL: 'silent',
        JWT_SECRET: secret,
        JWT_ISSUER: 'baedal-test',
        JWT_AUDIENCE: 'baedal',
        BEHIND_PROXY: 'true',
        UPSTREAM_ORDER: `http://127.0.0.1:${deadPort}`,
        UPSTREAM_PAYMENT: `http://127.0.0.1:${deadPort}`,
        UPSTREAM_STORE: `http://127.0.0.1:${deadPort}`,
        UPSTREAM_DELIVERY: `http://127.0.0.1:${deadPort}`,
        UPSTREAM_CUSTOMER: `http://127.0.0.1:${deadPort}`,
      }),
      logger: createLogger('edge', 'silent'),
      metrics: new Metrics('edge'),
      credentials: await Credentials.create({ demoData: false }),
    });
    closeProxied = built.close;
    proxied = http.createServer(built.app.callback());
    proxiedBase = `http://127.0.0.1:${await listen(proxied)}`;
  });
  afterAll(async () => {
    closeProxied();
    proxied.closeAllConnections();
    await new Promise((r) => proxied.close(r));
  });
  const forwarded = { 'x-forwarded-for': '203.0.113.7' };

  it.each(['/healthz', '/readyz', '/metrics'])(
    'when %s comes through the Ingress (X-Forwarded-For), then 404 problem as for any unknown path; straight to the pod it answers',
    async (path) => {
      const res = await fetch(`${proxiedBase}${path}`, { headers: forwarded });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { status: number }).status).toBe(404);
      expect((await fetch(`${proxiedBase}${path}`)).status).not.toBe(404);
    },
  );

  it.each(['/nope', '/api/nope', '/index.php', '/.env'])(
    'when an unknown path %s comes through the Ingress, then the edge answers a 404 problem',
    async (path) => {
      const res = await fetch(`${proxiedBase}${path}`, { headers: forwarded });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 404, title: 'Not found' });
    },
  );

  it.each(['/', '/app.js', '/styles.css', '/openapi.json', '/asyncapi.json', '/problems/not-found'])(
    'when %s comes through the Ingress, then the edge serves it',
    async (path) => {
      expect((await fetch(`${proxiedBase}${path}`, { headers: forwarded })).status).toBe(200);
    },
  );
});
