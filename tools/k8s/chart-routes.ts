/**
 * Prints the Ingress paths of the chart (charts/baedal/files/routes.yaml, which
 * tools/k8s/sync-chart-files.sh writes and checks; templates/ingress.yaml
 * ranges over it): the /api prefixes computed from the route table of the
 * contracts, then one Prefix `/` to the edge for everything else.
 *
 * Why a catch-all rather than one Exact path per page: ingress-nginx 1.12+
 * validates Exact and Prefix paths strictly by default (only letters, digits,
 * `/`, `_` and `-`), so `/openapi.json` or `/app.js` are refused there, and
 * ImplementationSpecific means something different in each controller (a
 * regular expression in one, a plain prefix in another). The edge serves its
 * pages (docs.ts documentPaths, ui.ts uiPaths, /problems) under `/` and answers
 * every other path with its own 404 problem, its probes and metrics included
 * when forwarded by a proxy (services/edge/src/app.ts). check-rendered.ts
 * checks that every page of the edge reaches the edge and every path is valid.
 */
import { routePrefixes } from '../../packages/platform/src/contracts/route-prefixes.ts';

export interface ChartRoute {
  path: string;
  service: string;
  type: 'Prefix' | 'Exact';
  /** Routed only when app.faultInjection is on. */
  faultInjection: boolean;
}

export function chartRoutes(): ChartRoute[] {
  return [
    ...routePrefixes().map((p) => ({
      path: p.prefix,
      service: p.service,
      type: 'Prefix' as const,
      faultInjection: p.faultInjectionOnly,
    })),
    { path: '/', service: 'edge', type: 'Prefix', faultInjection: false },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = chartRoutes().map(
    (r) => `- { path: ${r.path}, service: ${r.service}, type: ${r.type}, faultInjection: ${r.faultInjection} }`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
