/**
 * Rate limits per client address and per authenticated user: past the limit
 * the answer is a 429 problem (`/problems/rate-limited`) with `Retry-After`
 * in seconds. The counting is rate-limiter-flexible's memory limiter.
 *
 * A limit is "R requests per second, plus a burst of B": each key may make R
 * requests in every one-second window and, past that, draw on B extra
 * requests that come back every BURST_WINDOW_SECONDS. So R + B requests may
 * arrive at once, and the sustained ceiling is R + B / BURST_WINDOW_SECONDS.
 *
 * The limits are per process: in the cluster each replica limits its share of
 * the traffic (N replicas let a client through at up to N times the limit). A
 * limit shared by all replicas would need a store every replica reaches, i.e.
 * a Redis, and services reach Redis only through their sidecar (Dapr has no
 * rate-limit building block with per-request keys), so that is not done here.
 *
 * Who is counted:
 * - every request by its client address (`ctx.ip`: the last X-Forwarded-For
 *   hop, the address the edge or the Ingress saw; see createServiceApp), before
 *   its body is read;
 * - every request with a valid token by its user id as well, once requireRole
 *   has verified the token: a forged token never spends someone else's budget.
 * - every login attempt by the username it names (LoginLimiter, below), which
 *   counts failures rather than requests.
 * Probes, metrics and sidecar traffic (/healthz, /readyz, /metrics, /dapr/*,
 * /events/*, /internal/*) are never limited.
 */
import type { Context, Middleware } from 'koa';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './problem.ts';

export interface Rate {
  /** Requests per second, in every one-second window. */
  perSecond: number;
  /** Extra requests past perSecond, renewed every BURST_WINDOW_SECONDS. */
  burst: number;
}

export interface RateLimitConfig {
  enabled: boolean;
  perUser: Rate;
  perAddress: Rate;
}

export const BURST_WINDOW_SECONDS = 10;

/**
 * Generous on purpose: a person needs a few requests per second; the
 * integration tests fire 50 concurrent picks as one rider and poll every
 * 100 ms; a client address may be many people behind one NAT. What they stop
 * is one client hammering a service with thousands of requests per second.
 * Load tests and benchmarks that do exactly that set RATE_LIMIT_ENABLED=false.
 */
export const defaultRateLimits: RateLimitConfig = Object.freeze({
  enabled: true,
  perUser: Object.freeze({ perSecond: 100, burst: 200 }),
  perAddress: Object.freeze({ perSecond: 500, burst: 1000 }),
});

const UNLIMITED_PATH = /^\/(?:healthz|readyz|metrics)$|^\/(?:dapr|events|internal)(?:\/|$)/;

/** True for probe, metrics and sidecar paths, which are never limited. */
export function isUnlimitedPath(path: string): boolean {
  return UNLIMITED_PATH.test(path);
}

const refusedWhat = {
  user: 'Too many requests from this account',
  address: 'Too many requests from this address',
  username: 'Too many failed logins for this username',
} as const;

export const rateLimited = (who: keyof typeof refusedWhat, retryAfterSeconds: number) =>
  new AppError(429, 'rate-limited', 'Too many requests', `${refusedWhat[who]}; try again in ${retryAfterSeconds} s.`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

interface Limiter {
  consume(key: string): Promise<RateLimiterRes>;
}

function limiterFor(name: string, rate: Rate): Limiter {
  const perSecond = new RateLimiterMemory({ keyPrefix: name, points: rate.perSecond, duration: 1 });
  if (rate.burst <= 0) return perSecond;
  const burst = new RateLimiterMemory({
    keyPrefix: `${name}-burst`,
    points: rate.burst,
    duration: BURST_WINDOW_SECONDS,
  });
  return new BurstyRateLimiter(perSecond, burst);
}

/** Spends one request of `key`; throws the 429 problem when none is left. */
async function spend(limiter: Limiter, key: string, who: keyof typeof refusedWhat): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    throw rateLimited(who, Math.max(1, Math.ceil(e.msBeforeNext / 1000)));
  }
}

/** What the middleware leaves on each request for requireRole (see limitUser). */
const userCharges = new WeakMap<object, (userId: string) => Promise<void>>();
const charged = new WeakSet<object>();

/**
 * Counts the request against `userId`'s limit (once per request, however many
 * requireRole it passes); a no-op when no rate-limit middleware is mounted.
 */
export async function limitUser(ctx: object, userId: string): Promise<void> {
  const charge = userCharges.get(ctx);
  if (!charge || charged.has(ctx)) return;
  charged.add(ctx);
  await charge(userId);
}

export interface RateLimitOptions {
  /** Requests the caller never wants limited here (besides the probe and sidecar paths). */
  exempt?: (ctx: Context) => boolean;
}

/**
 * The per-address check, and the per-user one armed for requireRole. Mount it
 * after the problem middleware (it throws the 429 problem) and before the
 * body reader (a refused request is not read).
 */
export function rateLimitMiddleware(config: RateLimitConfig, opts: RateLimitOptions = {}): Middleware {
  if (!config.enabled) return (_ctx, next) => next();
  const byAddress = limiterFor('address', config.perAddress);
  const byUser = limiterFor('user', config.perUser);
  return async (ctx, next) => {
    if (isUnlimitedPath(ctx.path) || opts.exempt?.(ctx)) return next();
    await spend(byAddress, ctx.ip, 'address');
    userCharges.set(ctx, (userId) => spend(byUser, userId, 'user'));
    return next();
  };
}

export interface LoginLimitConfig {
  /** Failed logins one username may have in a window; the next attempt is refused until the window ends. */
  attempts: number;
  windowSeconds: number;
}

/**
 * Ten wrong passwords in 15 minutes, as OWASP's authentication cheat sheet
 * suggests for an account lockout threshold: a person who mistypes gets
 * several tries; a guesser gets 40 an hour per username, from however many
 * addresses (the per-address limit cannot stop a botnet, this can).
 */
export const defaultLoginLimit: LoginLimitConfig = Object.freeze({ attempts: 10, windowSeconds: 900 });

/**
 * The per-username login limit, beside the per-address one every request
 * meets. Each attempt spends one point of the username *before* the password
 * is checked, so concurrent guesses cannot all slip past the count; a correct
 * password gives the username its whole budget back. Once the points are
 * gone, even the right password is refused (429) until the window ends: the
 * price is that anyone can lock a username for one window by failing on
 * purpose, which is why the window is short. Unknown usernames are counted
 * like known ones, so the answer does not tell which exist.
 */
export class LoginLimiter {
  private readonly limiter: RateLimiterMemory | null;

  constructor(config: LoginLimitConfig) {
    this.limiter =
      config.attempts > 0
        ? new RateLimiterMemory({ keyPrefix: 'login', points: config.attempts, duration: config.windowSeconds })
        : null;
  }

  /** Spends one attempt of `username`; throws the 429 problem when none is left. */
  async attempt(username: string): Promise<void> {
    if (this.limiter) await spend(this.limiter, username, 'username');
  }

  /** The password matched: the username's failed attempts are forgotten. */
  async succeeded(username: string): Promise<void> {
    await this.limiter?.delete(username);
  }
}
