/**
 * TokenVerifier on its own: what a signed token must also satisfy (issuer,
 * audience, algorithm, expiry, a believable `iat`), and that a refusal says
 * nothing about which check failed.
 */
import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { issueToken, TokenVerifier, type AuthUser } from './auth.ts';
import { AppError } from './problem.ts';

const auth = { secret: 'unit-test-secret-not-for-production', jwksUrl: undefined, issuer: 'baedal', audience: 'api' };
const alice: AuthUser = { id: randomUUID(), username: 'alice', role: 'customer' };
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: { iat?: number; exp?: number; iss?: string; aud?: string; alg?: string } = {}) {
  return new SignJWT({ username: alice.username, role: alice.role })
    .setProtectedHeader({ alg: claims.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(alice.id)
    .setIssuer(claims.iss ?? auth.issuer)
    .setAudience(claims.aud ?? auth.audience)
    .setIssuedAt(claims.iat ?? now())
    .setExpirationTime(claims.exp ?? now() + 3600)
    .sign(new TextEncoder().encode(auth.secret));
}

async function refusal(token: string): Promise<AppError> {
  try {
    await new TokenVerifier(auth).verify(token);
  } catch (e) {
    return e as AppError;
  }
  throw new Error('the token was accepted');
}

describe('TokenVerifier', () => {
  it('accepts what the login route issues, and the same token again from its memory', async () => {
    const verifier = new TokenVerifier(auth);
    const token = await issueToken(auth, alice);
    expect(await verifier.verify(token)).toEqual(alice);
    expect(await verifier.verify(token)).toEqual(alice);
  });

  it('allows 30 s of clock skew for iat', async () => {
    expect(await new TokenVerifier(auth).verify(await sign({ iat: now() + 20 }))).toEqual(alice);
  });

  it.each([
    ['iat in the future', { iat: now() + 3600 }],
    ['iat ten years ahead', { iat: now() + 315_360_000 }],
    ['iat older than a day, exp still ahead', { iat: now() - 2 * 86_400, exp: now() + 3600 }],
    ['expired', { iat: now() - 7200, exp: now() - 60 }],
    ['another issuer', { iss: 'evil' }],
    ['another audience', { aud: 'other' }],
    ['HS512', { alg: 'HS512' }],
  ])('refuses a token with %s, with the same 401 for every reason', async (_name, claims) => {
    const e = await refusal(await sign(claims));
    expect(e).toBeInstanceOf(AppError);
    expect(e.status).toBe(401);
    expect(e.message).toBe('The bearer token is missing, malformed, expired or badly signed.');
  });
});
