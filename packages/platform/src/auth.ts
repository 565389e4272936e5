/**
 * JWT bearer auth (RFC 8725): the algorithm is pinned, issuer, audience and
 * expiry are checked, `none` and tampered tokens are refused. Locally tokens are
 * HS256 with a demo secret; in production every service verifies against the
 * OIDC provider's JWKS (JWT_JWKS_URL) and the login route can be switched off.
 */
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { CommonConfig } from './config.ts';
import { forbidden, unauthorized } from './problem.ts';

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

/** The authenticated caller that requireRole put on the context. */
export function userOf(ctx: { state: { user?: AuthUser } }): AuthUser {
  const user = ctx.state.user;
  if (!user) throw unauthorized();
  return user;
}

export const TOKEN_TTL_SECONDS = 3600;

export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly issuer: string;
  private readonly audience: string;

  constructor(auth: CommonConfig['auth']) {
    if (auth.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(auth.jwksUrl));
      this.algorithms = ['RS256', 'ES256'];
    } else if (auth.secret) {
      this.key = new TextEncoder().encode(auth.secret);
      this.algorithms = ['HS256'];
    } else {
      throw new Error('no JWT key configured');
    }
    this.issuer = auth.issuer;
    this.audience = auth.audience;
  }

  async verify(token: string): Promise<AuthUser> {
    try {
      const { payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.issuer,
        audience: this.audience,
        requiredClaims: ['exp', 'sub'],
      });
      const c = claims.parse(payload);
      return { id: c.sub, username: c.username, role: c.role, ...(c.storeId ? { storeId: c.storeId } : {}) };
    } catch {
      // Never tell an attacker which check failed.
      throw unauthorized('The bearer token is missing, malformed, expired or badly signed.');
    }
  }
}

/** Issues HS256 tokens for the local login route. */
export async function issueToken(auth: CommonConfig['auth'], user: AuthUser): Promise<string> {
  if (!auth.secret) throw new Error('token issuing needs JWT_SECRET');
  return new SignJWT({ username: user.username, role: user.role, ...(user.storeId ? { storeId: user.storeId } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(auth.issuer)
    .setAudience(auth.audience)
    .setIssuedAt()
    .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
    .sign(new TextEncoder().encode(auth.secret));
}

/** Requires a valid bearer token and one of `allowed` roles; sets ctx.state.user. */
export function requireRole(verifier: TokenVerifier, ...allowed: Role[]): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const m = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header);
    if (!m?.[1]) throw unauthorized();
    const user = await verifier.verify(m[1]);
    if (!allowed.includes(user.role)) throw forbidden(`This needs the role ${allowed.join(' or ')}.`);
    ctx.state.user = user;
    await next();
  };
}
