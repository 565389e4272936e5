/**
 * Trace context through a real app and a fake sidecar: the sidecar's
 * `traceparent` is handed on to every sidecar call made for its request, a
 * client's is never trusted, a command on an order continues the order's
 * trace (its id without dashes), and with no sampling rate configured nothing
 * is started. Sampling follows OpenTelemetry's TraceIDRatioBased.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DaprSidecar } from './dapr.ts';
import { createServiceApp, finishApp } from './http.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { defaultRateLimits } from './ratelimit.ts';
import { inTrace, joinOrderTrace, parseTraceparent, sampledAt, traceIdOf, traceLogFields } from './trace.ts';

const TOKEN = 'app-token-of-the-test';
const SIDECAR_TRACE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const CLIENT_TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const ORDER_ID = '3f0c2b9e-6a1d-4c55-9b7e-2d8f1a4c6e90';

/** The fake sidecar: the headers of each call it got. */
const seen: IncomingHttpHeaders[] = [];
let sidecar: Server;
const servers: Server[] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An app whose routes each make one sidecar call, with the given sampling rate. */
async function appWith(samplingRate: number | undefined): Promise<string> {
  const port = Number(new URL(await sidecarUrl).port);
  const dapr = new DaprSidecar({ host: '127.0.0.1', httpPort: port, apiToken: undefined });
  const { app, router } = createServiceApp({
    logger: createLogger('trace-test', 'silent'),
    metrics: new Metrics('trace-test'),
    readiness: async () => ({ ok: true }),
    rateLimit: { config: defaultRateLimits },
    sidecar: { appApiToken: TOKEN },
    tracing: { samplingRate },
  });
  router.post('/internal/things', async (ctx) => {
    await dapr.invoke('other', 'things');
    ctx.body = traceLogFields();
  });
  router.get('/api/things', async (ctx) => {
    await dapr.invoke('other', 'things');
    await dapr.getState('state', 'k');
    ctx.body = traceLogFields();
  });
  router.post('/api/orders/:id/confirm', async (ctx) => {
    joinOrderTrace(String(ctx.params.id));
    await dapr.invoke('other', 'things');
    ctx.body = {};
  });
  return listen(http.createServer(finishApp(app, router).callback()));
}

let sidecarUrl: Promise<string>;

beforeAll(() => {
  sidecar = http.createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  sidecarUrl = listen(sidecar);
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** The `traceparent` of each sidecar call one request made. */
async function callsOf(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; traces: (string | undefined)[] }> {
  seen.length = 0;
  const res = await fetch(url, init);
  await res.text();
  return { status: res.status, traces: seen.map((h) => h.traceparent as string | undefined) };
}

describe('trace context', () => {
  it('when the sidecar delivers a request with its traceparent, then the sidecar calls made for it carry that traceparent', async () => {
    const base = await appWith(1);
    const r = await fetch(`${base}/internal/things`, {
      method: 'POST',
      headers: { 'dapr-api-token': TOKEN, traceparent: SIDECAR_TRACE },
    });
    expect(await r.json()).toEqual({ traceId: traceIdOf(SIDECAR_TRACE) });
    expect(seen.at(-1)?.traceparent).toBe(SIDECAR_TRACE);
  });

  it("when a client sends a traceparent, then it is not trusted: the request's calls share one trace of their own", async () => {
    const base = await appWith(1);
    const { traces } = await callsOf(`${base}/api/things`, { headers: { traceparent: CLIENT_TRACE } });
    expect(traces).toHaveLength(2);
    expect(traces[0]).toBe(traces[1]);
    const tp = parseTraceparent(traces[0]);
    expect(tp?.traceId).not.toBe(traceIdOf(CLIENT_TRACE));
    expect(tp?.sampled).toBe(true);
  });

  it('when a sidecar-only route is called without the app token, then its traceparent is not used (401, no call)', async () => {
    const base = await appWith(1);
    const { status, traces } = await callsOf(`${base}/internal/things`, {
      method: 'POST',
      headers: { traceparent: SIDECAR_TRACE },
    });
    expect(status).toBe(401);
    expect(traces).toEqual([]);
  });

  it("when a command on an order comes from outside, then its calls continue the order's trace (the id without dashes)", async () => {
    const base = await appWith(1);
    const { traces } = await callsOf(`${base}/api/orders/${ORDER_ID}/confirm`, { method: 'POST' });
    expect(traceIdOf(traces[0])).toBe('3f0c2b9e6a1d4c559b7e2d8f1a4c6e90');
  });

  it('when the sampling rate is 0, then the trace is started unsampled; unset, none is started', async () => {
    const at0 = await callsOf(`${await appWith(0)}/api/orders/${ORDER_ID}/confirm`, { method: 'POST' });
    expect(parseTraceparent(at0.traces[0])?.sampled).toBe(false);
    const unset = await callsOf(`${await appWith(undefined)}/api/things`);
    expect(unset.traces).toEqual([undefined, undefined]);
  });

  it('samples as TraceIDRatioBased does: by the last 8 bytes of the id against rate × 2^63', () => {
    const low = `${'f'.repeat(16)}${'0'.repeat(16)}`;
    const high = `${'0'.repeat(16)}${'f'.repeat(16)}`;
    expect([sampledAt(low, 0.5), sampledAt(high, 0.5)]).toEqual([true, false]);
    expect([sampledAt(high, 1), sampledAt(low, 0)]).toEqual([true, false]);
    // 0x7fff.../2 sits just below half of 2^63.
    expect(sampledAt(`${'0'.repeat(16)}7ffffffffffffffd`, 0.5)).toBe(true);
  });

  it('reads only version-00 traceparents with non-zero ids; log fields carry the trace id of the context', () => {
    expect(parseTraceparent(SIDECAR_TRACE)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentId: 'b7ad6b7169203331',
      sampled: true,
    });
    for (const bad of [
      '',
      'garbage',
      `01-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
      `00-${'0'.repeat(32)}-${'b'.repeat(16)}-01`,
    ]) {
      expect(parseTraceparent(bad)).toBeNull();
    }
    expect(inTrace(SIDECAR_TRACE, () => traceLogFields())).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c' });
    expect(inTrace(null, () => traceLogFields())).toEqual({});
  });
});
