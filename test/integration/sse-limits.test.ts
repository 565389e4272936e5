/**
 * Limits of the live status stream through the entry point: at most
 * DEFAULT_MAX_STREAMS_PER_USER open streams per account (the next one is a
 * 429 problem and no stream), the customer service's open-stream gauge
 * counting them where they are held, and every stream ending when the token
 * that opened it expires. The short-lived token is signed the way the login
 * route signs (test/kit/tokens.ts), with the local stack's demo secret and claims.
 */
import { describe, expect, it } from '@jest/globals';
import { demoUsers } from '@baedal/platform/contracts/demo';
import { DEFAULT_MAX_STREAMS_PER_USER } from '../../services/customer/src/routes/sse.ts';
import { appByName } from '../../tools/stack/topology.ts';
import { localToken } from '../kit/tokens.ts';
import { BASE_URL, call, eventually, login, scrapeCounter } from './client.ts';
import { placeOrder } from './flows.ts';

const customer = appByName('customer')!;
const gaugeUrl = `http://127.0.0.1:${customer.appPort}/metrics`;
const openStreams = () => scrapeCounter(gaugeUrl, 'sse_streams_open', {});

/** A token for `username` exactly like the local login's, but living `ttlSeconds`. */
async function shortLivedToken(username: string, ttlSeconds: number): Promise<string> {
  const u = demoUsers.find((d) => d.username === username)!;
  return localToken({ id: u.id, username: u.username, role: u.role }, ttlSeconds);
}

/** An order of `token`'s customer that the status view already knows. */
async function viewedOrder(token: string): Promise<string> {
  const order = await placeOrder(token);
  await eventually(async () =>
    (await call('GET', `/api/order-status/${order.id}`, { token })).status === 200 ? true : undefined,
  );
  return order.id;
}

interface Opened {
  res: Response;
  ac: AbortController;
}

/** Opens a stream and returns once the answer's head is in; the caller aborts it (or its deadline does). */
async function openStream(orderId: string, token: string, deadlineMs = 30_000): Promise<Opened> {
  const ac = new AbortController();
  const deadline = setTimeout(() => ac.abort(new Error(`stream still open after ${deadlineMs} ms`)), deadlineMs);
  deadline.unref();
  const res = await fetch(`${BASE_URL}/api/order-status/${orderId}/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  return { res, ac };
}

describe('live status stream limits', () => {
  it('when an account holds the most streams allowed, then one more is a 429 problem and no stream, until one closes', async () => {
    const bob = await login('bob');
    const orderId = await viewedOrder(bob);
    const before = await openStreams();
    const open: Opened[] = [];
    try {
      for (let i = 0; i < DEFAULT_MAX_STREAMS_PER_USER; i++) open.push(await openStream(orderId, bob));
      expect(open.map((o) => o.res.status)).toEqual(Array.from({ length: DEFAULT_MAX_STREAMS_PER_USER }, () => 200));
      expect(await openStreams()).toBe(before + DEFAULT_MAX_STREAMS_PER_USER);

      const refused = await openStream(orderId, bob);
      open.push(refused);
      expect(refused.res.status).toBe(429);
      expect(refused.res.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.res.headers.get('retry-after')).toBeTruthy();
      expect(await refused.res.json()).toMatchObject({ type: '/problems/too-many-streams', status: 429 });
      expect(await openStreams()).toBe(before + DEFAULT_MAX_STREAMS_PER_USER);

      // Another account is not affected by bob's streams.
      const alice = await login('alice');
      const other = await openStream(await viewedOrder(alice), alice);
      open.push(other);
      expect(other.res.status).toBe(200);

      // Once one of bob's streams closes, bob may open another.
      open.shift()!.ac.abort();
      await eventually(async () =>
        (await openStreams()) === before + DEFAULT_MAX_STREAMS_PER_USER ? true : undefined,
      );
      const again = await openStream(orderId, bob);
      open.push(again);
      expect(again.res.status).toBe(200);
    } finally {
      for (const o of open) o.ac.abort();
    }
    await eventually(async () => ((await openStreams()) === before ? true : undefined));
  });

  it('when the token that opened a stream expires, then the service ends the stream', async () => {
    const orderId = await viewedOrder(await login('bob'));
    const ttlSeconds = 4;
    const issuedAt = Date.now();
    const token = await shortLivedToken('bob', ttlSeconds);
    // Aborted by this test if the service has not ended it well after the token's expiry.
    const { res, ac } = await openStream(orderId, token, (ttlSeconds + 8) * 1000);
    try {
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let first = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        first ||= new TextDecoder().decode(value);
      }
      const endedAfterMs = Date.now() - issuedAt;
      expect(first).toContain('data:');
      // The token's exp is whole seconds: it ends within the second before issuedAt + ttl, or soon after.
      expect(endedAfterMs).toBeGreaterThanOrEqual((ttlSeconds - 1) * 1000);
      expect(endedAfterMs).toBeLessThan((ttlSeconds + 3) * 1000);
    } finally {
      ac.abort();
    }
  });
});
