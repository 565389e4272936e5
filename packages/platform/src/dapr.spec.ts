/**
 * The sidecar client against a fake sidecar (a plain HTTP server on port 0):
 * what it sends (paths, API token, bodies, partition keys) and how it reads the
 * answers (status and JSON of an invoked app, etags, bulk publish failures,
 * timeouts and refused connections as SidecarUnavailableError).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BulkPublishUnsupportedError, DaprSidecar, SidecarUnavailableError } from './dapr.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: Server;
let port: number;
const seen: Seen[] = [];
let answer: (req: Seen, res: ServerResponse) => void = (_req, res) => res.writeHead(204).end();

beforeAll(async () => {
  server = http.createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      answer(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const sidecar = (apiToken?: string) => new DaprSidecar({ host: '127.0.0.1', httpPort: port, apiToken });

function last(): Seen {
  const s = seen.at(-1);
  if (!s) throw new Error('the fake sidecar saw no request');
  return s;
}

describe('DaprSidecar', () => {
  it('when an invoked app answers a JSON problem, then its status, headers and parsed body come back', async () => {
    answer = (_req, res) =>
      res
        .writeHead(409, { 'content-type': 'application/problem+json', 'retry-after': '3' })
        .end(JSON.stringify({ title: 'Conflict' }));
    const r = await sidecar('demo-token').invoke('payment', '/internal/payments', {
      body: { orderId: 'o-1' },
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(r.status).toBe(409);
    expect(r.headers['retry-after']).toBe('3');
    expect(r.body).toEqual({ title: 'Conflict' });
    expect(last()).toMatchObject({
      method: 'POST',
      url: '/v1.0/invoke/payment/method/internal/payments',
      body: JSON.stringify({ orderId: 'o-1' }),
      headers: { 'dapr-api-token': 'demo-token', 'idempotency-key': 'k-1', 'content-type': 'application/json' },
    });
  });

  it('when an answer is not JSON, then the body stays text; a GET carries no body', async () => {
    answer = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    const r = await sidecar().invoke('order', 'healthz');
    expect(r.body).toBe('ok');
    expect(last()).toMatchObject({ method: 'GET', body: '' });
    expect(last().headers['dapr-api-token']).toBeUndefined();
  });

  it('when a state key exists, then its value and etag come back; a missing key is null', async () => {
    answer = (_req, res) => res.writeHead(200, { etag: '7', 'content-type': 'application/json' }).end('{"a":1}');
    await expect(sidecar().getState('statestore', 'view|o 1')).resolves.toEqual({ value: { a: 1 }, etag: '7' });
    expect(last().url).toBe('/v1.0/state/statestore/view%7Co%201');
    answer = (_req, res) => res.writeHead(204).end();
    await expect(sidecar().getState('statestore', 'nothing')).resolves.toBeNull();
  });

  it('when a first-write save meets another etag, then it reports the conflict instead of throwing', async () => {
    answer = (_req, res) => res.writeHead(409).end();
    await expect(sidecar().saveState('statestore', [{ key: 'k', value: { v: 1 }, etag: '3' }])).resolves.toBe(false);
    expect(JSON.parse(last().body)).toEqual([
      { key: 'k', value: { v: 1 }, etag: '3', options: { concurrency: 'first-write' } },
    ]);
  });

  it('when a publish carries a partition key, then it goes as the metadata query parameter', async () => {
    answer = (_req, res) => res.writeHead(204).end();
    await sidecar().publish('pubsub', 'orders', { id: 'e-1' }, { partitionKey: 'o-1' });
    expect(last()).toMatchObject({
      url: '/v1.0/publish/pubsub/orders?metadata.partitionKey=o-1',
      headers: { 'content-type': 'application/cloudevents+json' },
    });
  });

  it('when a bulk publish fails for some entries, then exactly those come back with their errors', async () => {
    answer = (_req, res) =>
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ failedEntries: [{ entryId: 'e-2', error: 'circuit breaker is open' }] }));
    const failed = await sidecar().publishBulk('pubsub', 'orders', [
      { entryId: 'e-1', event: { id: 'e-1' }, metadata: { partitionKey: 'o-1' } },
      { entryId: 'e-2', event: { id: 'e-2' }, metadata: { partitionKey: 'o-2' } },
    ]);
    expect([...failed]).toEqual([['e-2', '500 circuit breaker is open']]);
    expect(JSON.parse(last().body)).toEqual([
      {
        entryId: 'e-1',
        event: { id: 'e-1' },
        contentType: 'application/cloudevents+json',
        metadata: { partitionKey: 'o-1' },
      },
      {
        entryId: 'e-2',
        event: { id: 'e-2' },
        contentType: 'application/cloudevents+json',
        metadata: { partitionKey: 'o-2' },
      },
    ]);
  });

  it('when the sidecar has no bulk API, then that is its own error (the relay falls back to single publishes)', async () => {
    answer = (_req, res) => res.writeHead(404).end('not found');
    await expect(sidecar().publishBulk('pubsub', 'orders', [{ entryId: 'e', event: {} }])).rejects.toBeInstanceOf(
      BulkPublishUnsupportedError,
    );
  });

  it('when the sidecar does not answer in time, then the call fails as unavailable and the next call still works', async () => {
    answer = () => undefined; // never answers
    const started = Date.now();
    await expect(sidecar().invoke('payment', 'slow', { timeoutMs: 150 })).rejects.toBeInstanceOf(
      SidecarUnavailableError,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    answer = (_req, res) => res.writeHead(204).end();
    await expect(sidecar().invoke('payment', 'fast')).resolves.toMatchObject({ status: 204 });
  });

  it('when nothing listens on the port, then calls fail as unavailable and healthy() is false', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const dead = new DaprSidecar({ host: '127.0.0.1', httpPort: deadPort, apiToken: undefined });
    await expect(dead.getState('statestore', 'k')).rejects.toBeInstanceOf(SidecarUnavailableError);
    await expect(dead.healthy()).resolves.toBe(false);
  });
});
