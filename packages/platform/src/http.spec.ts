/**
 * What the app answers below its routes, on a real socket: a method no route
 * knows (405 or 404, never 501), requests Node's parser refuses (problems
 * with Node's status, serve.ts), and a refused body that must not leave its
 * keep-alive connection hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http, { type Server } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { createServiceApp, finishApp } from './http.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { defaultRateLimits } from './ratelimit.ts';
import { answerClientError } from './serve.ts';

let server: Server;
let port = 0;
let base = '';

beforeAll(async () => {
  const { app, router } = createServiceApp({
    logger: createLogger('test', 'silent'),
    metrics: new Metrics('test'),
    readiness: async () => ({ ok: true }),
    rateLimit: { config: defaultRateLimits },
    sidecar: null,
  });
  router.get('/api/things', (ctx) => {
    ctx.body = [];
  });
  router.post('/api/things', (ctx) => {
    ctx.status = 201;
    ctx.body = { got: ctx.request.body ?? null };
  });
  server = http.createServer(finishApp(app, router).callback());
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/**
 * Sends raw bytes on one connection (`then` once the first answer arrived);
 * resolves with everything the server wrote until it closed or went quiet.
 */
const raw = (text: string, then?: string, quietMs = 600) =>
  new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    let timer = setTimeout(() => socket.destroy(), quietMs);
    socket.on('data', (c: Buffer) => {
      if (!got && then) socket.write(then);
      got += c.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), quietMs);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('error', reject);
  });

const statusLines = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('methods no route knows', () => {
  it('when the path exists, then 405 with Allow, as a problem', async () => {
    const res = await fetch(`${base}/api/things`, { method: 'PROPFIND' });
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('allow')).toMatch(/GET/);
    expect(await res.json()).toMatchObject({ type: '/problems/method-not-allowed', status: 405 });
  });

  it('when the path does not exist, then 404 without Allow, as a problem', async () => {
    const res = await fetch(`${base}/api/nothing-here`, { method: 'PURGE' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('allow')).toBeNull();
  });
});

describe("requests Node's parser refuses", () => {
  it('when the method is no HTTP method, then a 400 problem', async () => {
    const answer = await raw('FROBNICATE /api/things HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400 });
  });

  it('when the head is over 16 KiB, then a 431 problem the client gets to read', async () => {
    const answer = await raw(`GET /api/things?q=${'a'.repeat(40_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      type: '/problems/http-error',
      status: 431,
    });
  });

  it('when a HEAD request is refused, then the answer has no body', async () => {
    const answer = await raw(`HEAD /api/things?q=${'a'.repeat(40_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toMatch(/content-type: application\/problem\+json/i);
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  });

  it('when a keep-alive connection already answered a request, then its next bad request still gets a problem', async () => {
    const answer = await raw('GET /api/things HTTP/1.1\r\nHost: x\r\n\r\n', 'FROBNICATE / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statusLines(answer)).toEqual([200, 400]);
  });
});

describe('a refused body on a keep-alive connection', () => {
  const chunked = (body: string) => `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;

  it('when a chunked body is over 64 KiB, then 413 and the next request on the connection is answered', async () => {
    const big = `{"pad":"${'x'.repeat(500_000)}"}`;
    const answer = await raw(
      'POST /api/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
        chunked(big) +
        'GET /api/things HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(statusLines(answer)).toEqual([413, 200]);
  });

  it('when a declared length is over 64 KiB, then 413 and the next request on the connection is answered', async () => {
    const big = `{"pad":"${'x'.repeat(500_000)}"}`;
    const answer = await raw(
      `POST /api/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}` +
        'GET /api/things HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(statusLines(answer)).toEqual([413, 200]);
  });

  it('when the body is not JSON, then 415 and the next request on the connection is answered', async () => {
    const answer = await raw(
      'POST /api/things HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n' +
        chunked('hello') +
        'POST /api/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
    );
    expect(statusLines(answer)).toEqual([415, 201]);
    expect(answer).toContain('{"got":{"a":1}}');
  });
});
