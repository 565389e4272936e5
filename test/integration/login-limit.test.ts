/**
 * The per-username login limit through the entry point. Many client addresses
 * cannot be simulated here, so this shows the part the per-address limit
 * cannot: after the allowed failed attempts for one username, the next is
 * refused with 429 (the password is not even checked), while another username
 * from the same address still logs in. The username is fresh for each run, so
 * a rerun within the window does not meet the last run's count.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { defaultLoginLimit } from '@baedal/platform/ratelimit';
import { call } from './client.ts';

describe('login limit per username', () => {
  it('when one username fails its allowed attempts, then the next gets 429 with Retry-After, and another user still logs in', async () => {
    const username = `guess-${randomUUID().slice(0, 8)}`;
    const statuses: number[] = [];
    for (let i = 0; i < defaultLoginLimit.attempts; i++) {
      statuses.push((await call('POST', '/api/auth/login', { body: { username, password: `wrong-${i}` } })).status);
    }
    expect(statuses).toEqual(Array.from({ length: defaultLoginLimit.attempts }, () => 401));

    const refused = await call<{ type: string; status: number }>('POST', '/api/auth/login', {
      body: { username, password: 'wrong-again' },
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: '/problems/rate-limited', status: 429 });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(defaultLoginLimit.windowSeconds);

    const other = await call('POST', '/api/auth/login', { body: { username: 'bob', password: 'demo-pass' } });
    expect(other.status).toBe(200);
  });
});
