/**
 * Path prefixes per owner, computed from the route table (routes.ts): what the
 * edge proxies (services/edge/src/domain/route-table.ts) and what the chart's
 * Ingress routes (charts/baedal/files/routes.yaml).
 *
 * For each operation the prefix is the shortest run of path segments below
 * /api under which every operation has the same owner: `/api/orders` for all
 * the order routes, but `/api/admin/faults/payment` where /api/admin and
 * /api/admin/faults are shared by several services. When no operation sits at
 * the prefix itself it ends in `/` (`/api/store/`): only paths below it are
 * routed. Matching is per path segment and the longest prefix wins, so a
 * longer prefix of another owner may sit below a shorter one.
 */
import { operations, type Operation, type RouteOwner } from './routes.ts';

export interface RoutePrefix {
  prefix: string;
  service: RouteOwner;
  /** Every operation below it is served only with fault injection on: the Ingress leaves it out otherwise. */
  faultInjectionOnly: boolean;
}

const below = (prefix: string, path: string) => path === prefix || path.startsWith(`${prefix}/`);

function prefixOf(op: Operation, all: readonly Operation[]): { prefix: string; under: Operation[] } {
  const segments = op.path.split('/');
  // segments[0] is '' and segments[1] is 'api': start at /api/<first>.
  for (let depth = 3; depth <= segments.length; depth++) {
    const candidate = segments.slice(0, depth).join('/');
    if (candidate.includes('{')) break;
    const under = all.filter((o) => below(candidate, o.path));
    if (under.every((o) => o.service === op.service)) {
      const exact = under.some((o) => o.path === candidate);
      return { prefix: exact ? candidate : `${candidate}/`, under };
    }
  }
  throw new Error(`${op.path}: no path prefix of it is owned by ${op.service} alone`);
}

/** One entry per prefix, in the order of the table's first operation below it. */
export function routePrefixes(all: readonly Operation[] = operations): RoutePrefix[] {
  const found = new Map<string, RoutePrefix>();
  for (const op of all) {
    const { prefix, under } = prefixOf(op, all);
    if (found.has(prefix)) continue;
    found.set(prefix, {
      prefix,
      service: op.service,
      faultInjectionOnly: under.every((o) => o.switch === 'faultInjection'),
    });
  }
  return [...found.values()];
}
