/**
 * The edge's configuration: the settings every service shares (no database,
 * no sidecar) plus one base URL per upstream service and the login switch.
 * Env names match the Helm chart's and tools/stack/topology.ts appEnv().
 */
import { ConfigError, readCommonConfig, readLoginLimitConfig } from '@baedal/platform';
import { z } from 'zod';

export const upstreamNames = ['order', 'payment', 'store', 'delivery', 'customer'] as const;
export type UpstreamName = (typeof upstreamNames)[number];

const upstreamUrl = z
  .url({ protocol: /^https?$/ })
  .transform((u) => u.replace(/\/+$/, ''))
  .refine((u) => new URL(u).pathname === '/' || new URL(u).pathname === '', 'give only scheme, host and port');

const edgeEnv = z.object({
  UPSTREAM_ORDER: upstreamUrl,
  UPSTREAM_PAYMENT: upstreamUrl,
  UPSTREAM_STORE: upstreamUrl,
  UPSTREAM_DELIVERY: upstreamUrl,
  UPSTREAM_CUSTOMER: upstreamUrl,
  // auto (the default): on when there are accounts to log in to (loginEnabled below).
  LOGIN_ENABLED: z
    .enum(['auto', 'true', 'false', '1', '0', ''])
    .default('auto')
    .transform((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : 'auto')),
  // Locally the edge is the entry point and takes the client's address from the
  // socket; behind an Ingress (the chart sets true) from the hop it appended.
  BEHIND_PROXY: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

export function readConfig(env: NodeJS.ProcessEnv) {
  const common = readCommonConfig(env, { needsDb: false });
  const parsed = edgeEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const upstreams: Record<UpstreamName, string> = {
    order: e.UPSTREAM_ORDER,
    payment: e.UPSTREAM_PAYMENT,
    store: e.UPSTREAM_STORE,
    delivery: e.UPSTREAM_DELIVERY,
    customer: e.UPSTREAM_CUSTOMER,
  };
  return Object.freeze({
    ...common,
    upstreams: Object.freeze(upstreams),
    /** LOGIN_ENABLED as given: true, false or 'auto'; loginEnabled() decides. */
    login: e.LOGIN_ENABLED,
    loginLimit: readLoginLimitConfig(env),
    behindProxy: e.BEHIND_PROXY,
  });
}

export type Config = ReturnType<typeof readConfig>;

/**
 * Whether the edge serves POST /api/auth/login. It needs accounts to log in
 * to (the directory's size, see domain/credentials.ts) and the HS256 secret
 * to issue tokens with; with only a JWKS URL (production, an external OIDC
 * provider) there is nothing to log in with. 'auto' follows both; an explicit
 * true that cannot be honoured stops the start, rather than leaving a route
 * that refuses everyone.
 */
export function loginEnabled(config: Config, accounts: number): boolean {
  const possible = accounts > 0 && config.auth.secret !== undefined;
  if (config.login === true && !possible) {
    throw new ConfigError(
      `LOGIN_ENABLED=true, but ${accounts === 0 ? 'there are no accounts (DEMO_DATA=false)' : 'JWT_SECRET is not set'}: ` +
        'set LOGIN_ENABLED=auto or false',
    );
  }
  return config.login !== false && possible;
}
