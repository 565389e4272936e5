/**
 * Which upstream serves which /api path: the prefixes computed from the route
 * table of the contracts (@baedal/platform/contracts/route-prefixes), the same
 * ones the Helm chart's Ingress routes. A prefix matches the path itself and
 * everything below it on a segment boundary (`/api/orders` matches
 * `/api/orders/42`, not `/api/ordersX`); a prefix ending in `/` matches only
 * below it. The longest matching prefix wins. The edge's own routes
 * (/api/auth) and internal paths (/internal, /dapr, /events) are in no entry,
 * so they are never proxied.
 */
import { routePrefixes } from '@baedal/platform/contracts/route-prefixes';
import type { UpstreamName } from '../config.ts';

export interface Route {
  prefix: string;
  upstream: UpstreamName;
}

export const routeTable: readonly Route[] = routePrefixes().flatMap(({ prefix, service }) =>
  service === 'edge' ? [] : [{ prefix, upstream: service }],
);

function covers(prefix: string, path: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix) && path.length > prefix.length;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * True when a raw request path is already in canonical form: no dot segments
 * (also percent-encoded), no encoded slashes or backslashes. Anything else
 * could be read differently by the edge and by the upstream, so it is not
 * proxied.
 */
export function isCanonicalPath(path: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return false;
  if (/%2f|%5c/i.test(path)) return false;
  try {
    return new URL(`http://edge${path}`).pathname === path;
  } catch {
    return false;
  }
}

/** The route for a request path (without query string), or undefined when the edge does not proxy it. */
export function matchRoute(path: string, table: readonly Route[] = routeTable): Route | undefined {
  if (!isCanonicalPath(path)) return undefined;
  let best: Route | undefined;
  for (const route of table) {
    if (covers(route.prefix, path) && (!best || route.prefix.length > best.prefix.length)) best = route;
  }
  return best;
}
