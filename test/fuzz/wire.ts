/**
 * Sending the fuzz's requests byte for byte (node:http, not fetch: fetch would
 * normalise dot segments, refuse some methods and drop repeated headers) and
 * reading the stack's state through the API for the before/after comparison.
 */
import http from 'node:http';
import { demoStores } from '@baedal/platform/contracts/demo';
import type { FuzzRequest } from './hostile.ts';

export interface Answer {
  status?: number;
  contentType?: string;
  retryAfter?: string;
  /** The body as text (at most 64 KiB kept); undefined for HEAD and streams. */
  body?: string;
  /** A transport failure: no answer at all. */
  error?: string;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const KEEP = 64 * 1024;

export function send(r: FuzzRequest, timeoutMs = 15_000): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Omit<Answer, 'ms'>) => {
      if (done) return;
      done = true;
      resolve({ ...a, ms: Math.round(performance.now() - started) });
    };
    let req: http.ClientRequest;
    try {
      req = http.request(
        { host: '127.0.0.1', port: r.port, method: r.method, path: r.path, headers: r.headers, agent },
        (res) => {
          const head = {
            status: res.statusCode,
            contentType: res.headers['content-type'],
            retryAfter: res.headers['retry-after'],
          };
          // A live stream (the SSE route with a real order) never ends: its head is the answer.
          if (String(head.contentType).startsWith('text/event-stream')) {
            res.destroy();
            finish(head);
            return;
          }
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (c: Buffer) => {
            if (kept < KEEP) chunks.push(c);
            kept += c.length;
          });
          res.on('end', () => finish({ ...head, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => finish({ ...head, error: `response: ${e.message}` }));
          res.on('close', () => finish({ ...head, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
    } catch (e) {
      finish({ error: `not sendable: ${(e as Error).message}` });
      return;
    }
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    if (!r.body) req.end();
    else if (r.chunked && r.body.length > 1) {
      const half = Math.floor(r.body.length / 2);
      req.write(r.body.subarray(0, half));
      req.end(r.body.subarray(half));
    } else req.end(r.body);
  });
}

export function closeAgent(): void {
  agent.destroy();
}

// ------------------------------------------------------------------ state

const base = (port: number) => `http://127.0.0.1:${port}`;

async function getJson<T>(port: number, path: string, token?: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${base(port)}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    // Someone else's load may have spent this address's budget: wait as told.
    if (res.status === 429 && attempt < 30) {
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

export async function login(port: number, username: string): Promise<string> {
  const res = await fetch(`${base(port)}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'demo-pass' }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

interface Row {
  id?: string;
  orderId?: string;
  status?: string;
}
const rows = (list: Row[]) => list.map((r) => `${r.id ?? r.orderId} ${r.status ?? ''}`.trim());

/** What the fuzz must not change, read through the entry point as the demo users. */
export async function snapshot(port: number, tokens: Record<string, string>): Promise<Record<string, unknown>> {
  const t = (u: string) => tokens[u]!;
  const [
    payments,
    aliceOrders,
    bobOrders,
    inbox1,
    inbox2,
    mine1,
    mine2,
    aliceView,
    bobView,
    aliceNotes,
    bobNotes,
    stores,
  ] = await Promise.all([
    getJson<Row[]>(port, '/api/payments', t('admin')),
    getJson<{ items: Row[] }>(port, '/api/orders?limit=100', t('alice')),
    getJson<{ items: Row[] }>(port, '/api/orders?limit=100', t('bob')),
    getJson<Row[]>(port, '/api/store/orders', t('owner1')),
    getJson<Row[]>(port, '/api/store/orders', t('owner2')),
    getJson<Row[]>(port, '/api/deliveries/mine', t('rider1')),
    getJson<Row[]>(port, '/api/deliveries/mine', t('rider2')),
    getJson<Row[]>(port, '/api/order-status', t('alice')),
    getJson<Row[]>(port, '/api/order-status', t('bob')),
    getJson<Row[]>(port, '/api/notifications', t('alice')),
    getJson<Row[]>(port, '/api/notifications', t('bob')),
    getJson<unknown[]>(port, '/api/stores'),
  ]);
  const menus = await Promise.all(demoStores.map((s) => getJson<unknown[]>(port, `/api/stores/${s.id}/menu`)));
  return {
    payments: { count: payments.length, rows: rows(payments) },
    'orders alice': rows(aliceOrders.items),
    'orders bob': rows(bobOrders.items),
    'inbox owner1': rows(inbox1),
    'inbox owner2': rows(inbox2),
    'deliveries rider1': rows(mine1),
    'deliveries rider2': rows(mine2),
    'view alice': rows(aliceView),
    'view bob': rows(bobView),
    'notifications alice': aliceNotes.length,
    'notifications bob': bobNotes.length,
    catalog: { stores, menus },
  };
}

/** Ready deliveries near both demo stores, as a rider sees them. */
export async function readyDeliveries(port: number, riderToken: string): Promise<string[]> {
  const lists = await Promise.all(
    demoStores.map((s) =>
      getJson<Row[]>(port, `/api/deliveries?lat=${s.location.lat}&lng=${s.location.lng}&radiusKm=20`, riderToken),
    ),
  );
  return lists.flat().map((d) => d.id!);
}

/** The keys whose values differ: for lists, the rows added and removed. */
export function differences(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { key: string; added?: unknown[]; removed?: unknown[]; before?: unknown; after?: unknown }[] {
  const listOf = (v: unknown): unknown[] | null =>
    Array.isArray(v) ? v : v && typeof v === 'object' && 'rows' in v && Array.isArray(v.rows) ? v.rows : null;
  return Object.keys(before)
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((key) => {
      const [b, a] = [listOf(before[key]), listOf(after[key])];
      if (!b || !a) return { key, before: before[key], after: after[key] };
      const [bs, as] = [new Set(b.map((x) => JSON.stringify(x))), new Set(a.map((x) => JSON.stringify(x)))];
      return {
        key,
        added: a.filter((x) => !bs.has(JSON.stringify(x))),
        removed: b.filter((x) => !as.has(JSON.stringify(x))),
      };
    });
}
