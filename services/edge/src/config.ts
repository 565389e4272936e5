/**
 * The edge's configuration: the settings every service shares (no database,
 * no sidecar) plus one base URL per upstream service and the login switch.
 * Env names match the Helm chart's and tools/stack/topology.ts appEnv().
 */
import { ConfigError, readCommonConfig } from '@baedal/platform';
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
  LOGIN_ENABLED: z
    .enum(['true', 'false', '1', '0', ''])
    .default('true')
    .transform((v) => v !== 'false' && v !== '0'),
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
    // Issuing tokens needs the local HS256 secret; with only a JWKS URL
    // (production, external OIDC provider) there is nothing to log in with.
    loginEnabled: e.LOGIN_ENABLED && common.auth.secret !== undefined,
    behindProxy: e.BEHIND_PROXY,
  });
}

export type Config = ReturnType<typeof readConfig>;
