/**
 * Configuration is read once at start from the environment, validated with zod
 * and frozen. Env names match the Helm chart's.
 */
import { z } from 'zod';
import {
  defaultLoginLimit,
  defaultRateLimits,
  type LoginLimitConfig,
  type Rate,
  type RateLimitConfig,
} from './ratelimit.ts';

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const port = z.coerce.number().int().min(0).max(65535);

const commonEnv = z.object({
  SERVICE_NAME: z.string().min(1),
  APP_PORT: port,
  /**
   * Address the app listens on. Unset: every interface (a pod is reached on
   * its own IP); the local stack sets 127.0.0.1 so nothing is reachable from
   * another machine.
   */
  APP_HOST: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DAPR_HOST: z.string().default('127.0.0.1'),
  DAPR_HTTP_PORT: port.default(3500),
  /** Sent to the sidecar on every call (dapr.ts); the sidecar refuses calls without it. */
  DAPR_API_TOKEN: z.string().min(1).optional(),
  /** What the sidecar sends on every call to the app; checked on sidecar-only routes (app-token.ts). */
  APP_API_TOKEN: z.string().min(1).optional(),
  PUBSUB_NAME: z.string().default('pubsub'),
  DB_HOST: z.string().default('127.0.0.1'),
  DB_PORT: port.default(3306),
  DB_NAME: z.string().optional(),
  DB_USER: z.string().optional(),
  DB_PASSWORD: z.string().optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * TLS to MySQL/MariaDB: the server's certificate is always verified (chain
   * and host name), against DB_TLS_CA_FILE (PEM) when given, else Node's CAs.
   */
  DB_TLS: bool,
  DB_TLS_CA_FILE: z.string().min(1).optional(),
  /**
   * Quiet time after which the latest event of a key is published once more
   * (outbox-redrive.ts); 0 turns that off. Keep it above the pub/sub's own
   * redelivery time (processingTimeout, 30 s) so a re-drive is not just early.
   */
  OUTBOX_REDRIVE_AFTER_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Failed publishes after which the outbox relay parks an event (outbox-claims.ts). */
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(20),
  /**
   * Age in days after which published outbox rows, inbox markers, dead letters and
   * idempotency keys are deleted (retention.ts); 0 keeps them for ever. Far above any
   * redelivery or re-drive window (docs/outbox.md).
   */
  RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(7),
  JWT_SECRET: z.string().min(32).optional(),
  JWT_JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  DEMO_DATA: bool,
  FAULT_INJECTION: bool,
});

export interface DbConfig {
  host: string;
  port: number;
  dbName: string;
  user: string;
  password: string;
  poolMax: number;
  /** null: plain TCP (the local stack, an in-cluster MariaDB); else TLS, optionally with a CA file. */
  tls?: null | { caFile: string | undefined };
  /** See OUTBOX_REDRIVE_AFTER_SECONDS. */
  outboxRedriveAfterSeconds: number;
  /** See OUTBOX_MAX_ATTEMPTS. */
  outboxMaxAttempts: number;
  /** See RETENTION_DAYS. */
  retentionDays: number;
}

export interface CommonConfig {
  service: string;
  port: number;
  /** Listen address (APP_HOST); undefined: every interface. */
  host?: string | undefined;
  logLevel: string;
  dapr: {
    host: string;
    httpPort: number;
    /** DAPR_API_TOKEN: what the app shows its sidecar. */
    apiToken: string | undefined;
    /** APP_API_TOKEN: what the sidecar shows the app. */
    appApiToken: string | undefined;
    pubsub: string;
  };
  db: DbConfig | null;
  auth: { secret: string | undefined; jwksUrl: string | undefined; issuer: string; audience: string };
  demoData: boolean;
  faultInjection: boolean;
}

export class ConfigError extends Error {}

/** The variables `schema` reads, parsed; every problem named in one ConfigError. */
function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Reads the settings every service shares; `needsDb` makes the DB_* variables required. */
export function readCommonConfig(env: NodeJS.ProcessEnv, opts: { needsDb: true }): CommonConfig & { db: DbConfig };
export function readCommonConfig(env: NodeJS.ProcessEnv, opts: { needsDb: false }): CommonConfig;
export function readCommonConfig(env: NodeJS.ProcessEnv, opts: { needsDb: boolean }): CommonConfig {
  const e = parseEnv(commonEnv, env);
  if (!e.JWT_SECRET && !e.JWT_JWKS_URL) throw new ConfigError('set JWT_JWKS_URL (production) or JWT_SECRET (local)');
  let db: CommonConfig['db'] = null;
  if (opts.needsDb) {
    if (!e.DB_NAME || !e.DB_USER || e.DB_PASSWORD === undefined) {
      throw new ConfigError('DB_NAME, DB_USER and DB_PASSWORD are required');
    }
    if (e.DB_TLS_CA_FILE && !e.DB_TLS) throw new ConfigError('DB_TLS_CA_FILE is set but DB_TLS is not true');
    db = {
      host: e.DB_HOST,
      port: e.DB_PORT,
      dbName: e.DB_NAME,
      user: e.DB_USER,
      password: e.DB_PASSWORD,
      poolMax: e.DB_POOL_MAX,
      tls: e.DB_TLS ? { caFile: e.DB_TLS_CA_FILE } : null,
      outboxRedriveAfterSeconds: e.OUTBOX_REDRIVE_AFTER_SECONDS,
      outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      retentionDays: e.RETENTION_DAYS,
    };
  }
  return Object.freeze({
    service: e.SERVICE_NAME,
    port: e.APP_PORT,
    host: e.APP_HOST,
    logLevel: e.LOG_LEVEL,
    dapr: {
      host: e.DAPR_HOST,
      httpPort: e.DAPR_HTTP_PORT,
      apiToken: e.DAPR_API_TOKEN,
      appApiToken: e.APP_API_TOKEN,
      pubsub: e.PUBSUB_NAME,
    },
    db,
    auth: { secret: e.JWT_SECRET, jwksUrl: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    demoData: e.DEMO_DATA,
    faultInjection: e.FAULT_INJECTION,
  });
}

/** `<per second>` or `<per second>,burst=<n>`, e.g. `100,burst=200`. */
const rate = (fallback: Rate) =>
  z
    .string()
    .regex(/^\s*(?:\d+\s*(?:,\s*burst\s*=\s*\d+\s*)?)?$/, 'give <requests per second>[,burst=<n>], e.g. 100,burst=200')
    .optional()
    .transform((v): Rate => {
      if (v === undefined || v.trim() === '') return fallback;
      const [perSecond, burst] = v.split(',').map((part) => Number(part.replace(/^\s*burst\s*=/, '')));
      return { perSecond: perSecond ?? fallback.perSecond, burst: burst ?? 0 };
    })
    .refine((r) => r.perSecond >= 1, 'at least 1 request per second');

const rateLimitEnv = z.object({
  RATE_LIMIT_ENABLED: z
    .enum(['true', 'false', '1', '0', ''])
    .default('true')
    .transform((v) => v !== 'false' && v !== '0'),
  RATE_LIMIT_PER_USER: rate(defaultRateLimits.perUser),
  RATE_LIMIT_PER_ADDRESS: rate(defaultRateLimits.perAddress),
});

/**
 * The rate limits (ratelimit.ts) every service applies: RATE_LIMIT_ENABLED
 * (default true; load tests and benchmarks turn it off), RATE_LIMIT_PER_USER
 * and RATE_LIMIT_PER_ADDRESS as `<requests per second>[,burst=<n>]`.
 */
export function readRateLimitConfig(env: NodeJS.ProcessEnv): RateLimitConfig {
  const e = parseEnv(rateLimitEnv, env);
  return Object.freeze({
    enabled: e.RATE_LIMIT_ENABLED,
    perUser: e.RATE_LIMIT_PER_USER,
    perAddress: e.RATE_LIMIT_PER_ADDRESS,
  });
}

const tracingEnv = z.object({
  TRACE_SAMPLING_RATE: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : Number(v)))
    .refine((v) => v === undefined || (Number.isFinite(v) && v >= 0 && v <= 1), 'a number from 0 to 1, e.g. 0.1'),
});

/**
 * TRACE_SAMPLING_RATE (trace.ts): the share of the traces a service starts
 * itself that are sampled, the same number as the sidecars' Configuration
 * (spec.tracing.samplingRate). Unset, a service starts no trace of its own and
 * only hands on the context its sidecar gives it.
 */
export function readTracingConfig(env: NodeJS.ProcessEnv): { samplingRate: number | undefined } {
  return Object.freeze({ samplingRate: parseEnv(tracingEnv, env).TRACE_SAMPLING_RATE });
}

const loginLimitEnv = z.object({
  LOGIN_ATTEMPTS_PER_USERNAME: z.coerce.number().int().min(0).max(1_000_000).default(defaultLoginLimit.attempts),
  LOGIN_ATTEMPTS_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(defaultLoginLimit.windowSeconds),
});

/**
 * The login route's per-username limit (ratelimit.ts LoginLimiter):
 * LOGIN_ATTEMPTS_PER_USERNAME failed attempts (0 turns the limit off) per
 * LOGIN_ATTEMPTS_WINDOW_SECONDS. Independent of RATE_LIMIT_ENABLED: load tests
 * that switch request limits off still log in with the right password.
 */
export function readLoginLimitConfig(env: NodeJS.ProcessEnv): LoginLimitConfig {
  const e = parseEnv(loginLimitEnv, env);
  return Object.freeze({ attempts: e.LOGIN_ATTEMPTS_PER_USERNAME, windowSeconds: e.LOGIN_ATTEMPTS_WINDOW_SECONDS });
}
