/**
 * JWT bearer auth (RFC 8725): the algorithm is pinned, issuer, audience and
 * expiry are checked, `none` and tampered tokens are refused. Locally tokens are
 * HS256 with a demo secret; in production every service verifies against the
 * OIDC provider's JWKS (JWT_JWKS_URL) and the login route can be switched off.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { CommonConfig } from './config.ts';
import { forbidden, unauthorized } from './problem.ts';
import { limitUser } from './ratelimit.ts';

export const roles = ['customer', 'owner', 'rider', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  storeId?: string;
}

const claims = z.object({
  sub: z.uuid(),
  username: z.string(),
  role: z.enum(roles),
  storeId: z.uuid().optional(),
});

/** When the caller's token expires (ms since the epoch), as requireRole put it on the context. */
export function tokenExpiryOf(ctx: { state: { tokenExpiresAt?: number } }): number {
  const at = ctx.state.tokenExpiresAt;
  if (at === undefined) throw unauthorized();
  return at;
}

/** The authenticated caller that requireRole put on the context. */
export function userOf(ctx: { state: { user?: AuthUser } }): AuthUser {
  const user = ctx.state.user;
  if (!user) throw unauthorized();
  return user;
}

export const TOKEN_TTL_SECONDS = 3600;

/**
 * A token whose signature and claims were checked is trusted again for this
 * long (never past its `exp`) without a second check: a client sends the same
 * token with every request, and the check (HMAC or RSA through WebCrypto, off
 * the event loop and back) costs more than the rest of a small request.
 */
const VERIFIED_TTL_MS = 60_000;
/** Bound of that memory: past it the oldest entry goes first. */
const VERIFIED_MAX = 10_000;
/**
 * Oldest token accepted, by its `iat`, whatever its `exp` says: bounds what a
 * leaked long-lived token is worth, and (through jose's age check) refuses an
 * `iat` in the future. Ours live TOKEN_TTL_SECONDS; an OIDC provider's access
 * tokens live minutes to hours.
 */
const MAX_TOKEN_AGE = '24h';
/** Clock skew allowed between the token's issuer and this service, in seconds. */
const CLOCK_TOLERANCE_S = 30;

export class TokenVerifier {
  // A KeyObject rather than raw bytes: jose imports a KeyObject into WebCrypto once
  // and keeps it, raw bytes are imported again for every token.
  private readonly key: KeyObject | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly issuer: string;
  private readonly audience: string;
  private readonly verified = new Map<string, { user: AuthUser; until: number; exp: number }>();

  constructor(auth: CommonConfig['auth']) {
    if (auth.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(auth.jwksUrl));
      this.algorithms = ['RS256', 'ES256'];
    } else if (auth.secret) {
      this.key = createSecretKey(Buffer.from(auth.secret, 'utf8'));
      this.algorithms = ['HS256'];
    } else {
      throw new Error('no JWT key configured');
    }
    this.issuer = auth.issuer;
    this.audience = auth.audience;
  }

  async verify(token: string): Promise<AuthUser> {
    return (await this.verifyToken(token)).user;
  }

  /** The caller and when the token expires (its `exp`, in ms since the epoch). */
  async verifyToken(token: string): Promise<{ user: AuthUser; expiresAt: number }> {
    const now = Date.now();
    const known = this.verified.get(token);
    if (known) {
      if (known.until > now) return { user: known.user, expiresAt: known.exp };
      this.verified.delete(token);
    }
    let user: AuthUser;
    let exp: number;
    try {
      const { payload } = await jwtVerify(token, this.key as KeyObject, {
        algorithms: this.algorithms,
        issuer: this.issuer,
        audience: this.audience,
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: MAX_TOKEN_AGE,
        clockTolerance: CLOCK_TOLERANCE_S,
      });
      const c = claims.parse(payload);
      user = Object.freeze({
        id: c.sub,
        username: c.username,
        role: c.role,
        ...(c.storeId ? { storeId: c.storeId } : {}),
      });
      exp = Number(payload.exp) * 1000;
    } catch {
      // Never tell an attacker which check failed.
      throw unauthorized('The bearer token is missing, malformed, expired or badly signed.');
    }
    if (this.verified.size >= VERIFIED_MAX) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, { user, until: Math.min(now + VERIFIED_TTL_MS, exp), exp });
    return { user, expiresAt: exp };
  }
}

/** Issues HS256 tokens for the local login route (TOKEN_TTL_SECONDS; tests may ask for less). */
export async function issueToken(
  auth: CommonConfig['auth'],
  user: AuthUser,
  ttlSeconds = TOKEN_TTL_SECONDS,
): Promise<string> {
  if (!auth.secret) throw new Error('token issuing needs JWT_SECRET');
  return new SignJWT({ username: user.username, role: user.role, ...(user.storeId ? { storeId: user.storeId } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(auth.issuer)
    .setAudience(auth.audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(auth.secret));
}

/** Requires a valid bearer token and one of `allowed` roles; sets ctx.state.user. */
export function requireRole(verifier: TokenVerifier, ...allowed: Role[]): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const m = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header);
    if (!m?.[1]) throw unauthorized();
    const { user, expiresAt } = await verifier.verifyToken(m[1]);
    // The per-user rate limit, counted only once the token is verified.
    await limitUser(ctx, user.id);
    if (!allowed.includes(user.role)) throw forbidden(`This needs the role ${allowed.join(' or ')}.`);
    ctx.state.user = user;
    // Long-lived answers (the live status stream) end when the token does.
    ctx.state.tokenExpiresAt = expiresAt;
    await next();
  };
}
