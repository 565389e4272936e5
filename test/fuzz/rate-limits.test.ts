/**
 * The rate limits on the real stack, with the default limits (100/s plus a
 * burst of 200 per user, 500/s plus 1000 per address, per service process),
 * without spending anyone else's budget: the user is a phantom customer with
 * a token of its own, the address a documentation address (RFC 5737) that a
 * request sent straight to a service port names in X-Forwarded-For (the
 * service trusts the last hop; through the edge that hop is the real client).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { localDemoSecrets } from '../../tools/stack/topology.ts';
import { ports } from './hostile.ts';

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
afterAll(() => agent.destroy());

interface Reply {
  status: number;
  retryAfter?: string;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `n` requests, `inFlight` at a time. */
async function flood(n: number, inFlight: number, send: () => Promise<Reply>): Promise<Reply[]> {
  const out: Reply[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < n) out.push(await send());
    }),
  );
  return out;
}

const phantomCustomer = () =>
  new SignJWT({ username: `ghost-${randomUUID().slice(0, 8)}`, role: 'customer' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(randomUUID())
    .setIssuer('baedal-local')
    .setAudience('baedal')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(localDemoSecrets.jwtSecret));

const expectRateLimited = (r: Reply, who: 'account' | 'address') => {
  expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number.isInteger(Number(r.retryAfter))).toBe(true);
  expect(JSON.parse(r.body)).toMatchObject({
    type: '/problems/rate-limited',
    status: 429,
    detail: expect.stringContaining(who),
  });
};

describe('rate limits (real stack)', () => {
  it('when one user floods a service through the entry point, then past rate and burst it gets 429 with Retry-After, and another user does not', async () => {
    const [flooder, bystander] = await Promise.all([phantomCustomer(), phantomCustomer()]);
    const replies = await flood(600, 32, () =>
      get(ports.edge, '/api/notifications', { authorization: `Bearer ${flooder}` }),
    );
    const count = (s: number) => replies.filter((r) => r.status === s).length;
    console.log(`one user, 600 requests: ${count(200)} answered, ${count(429)} refused with 429`);
    expect(count(200) + count(429)).toBe(600);
    expect(count(200)).toBeGreaterThanOrEqual(300);
    expect(count(429)).toBeGreaterThan(0);
    expectRateLimited(
      replies.find((r) => r.status === 429)!,
      'account',
    );
    expect((await get(ports.edge, '/api/notifications', { authorization: `Bearer ${bystander}` })).status).toBe(200);
  });

  it('when one address floods a service, then past rate and burst it gets 429 with Retry-After; other addresses and probes do not', async () => {
    const address = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
    const other = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
    // A path the store answers without its database (a malformed id is a 404).
    const replies = await flood(2500, 32, () =>
      get(ports.store, '/api/stores/not-a-store/menu', { 'x-forwarded-for': address }),
    );
    const count = (s: number) => replies.filter((r) => r.status === s).length;
    console.log(`one address, 2500 requests: ${count(404)} answered, ${count(429)} refused with 429`);
    expect(count(404) + count(429)).toBe(2500);
    expect(count(404)).toBeGreaterThanOrEqual(1500);
    expect(count(429)).toBeGreaterThan(0);
    expectRateLimited(
      replies.find((r) => r.status === 429)!,
      'address',
    );
    expect((await get(ports.store, '/api/stores/not-a-store/menu', { 'x-forwarded-for': other })).status).toBe(404);
    for (const probe of ['/healthz', '/readyz', '/metrics']) {
      expect((await get(ports.store, probe, { 'x-forwarded-for': address })).status).toBe(200);
    }
  });
});
