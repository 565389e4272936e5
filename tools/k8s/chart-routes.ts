/**
 * Prints the Ingress paths of the chart (charts/baedal/files/routes.yaml, which
 * tools/k8s/sync-chart-files.sh writes and checks; templates/ingress.yaml
 * ranges over it): the /api prefixes computed from the route table of the
 * contracts, then what the edge serves the public itself (the API documents,
 * /problems and the web UI's files). Probes and metrics are in no entry.
 */
import { routePrefixes } from '../../packages/platform/src/contracts/route-prefixes.ts';
import { documentPaths } from '../../services/edge/src/routes/docs.ts';
import { uiPaths } from '../../services/edge/src/routes/ui.ts';

export interface ChartRoute {
  path: string;
  service: string;
  type: 'Prefix' | 'Exact';
  /** Routed only when app.faultInjection is on. */
  faultInjection: boolean;
}

export function chartRoutes(): ChartRoute[] {
  const edge = (path: string, type: ChartRoute['type']): ChartRoute => ({
    path,
    service: 'edge',
    type,
    faultInjection: false,
  });
  return [
    ...routePrefixes().map((p) => ({
      path: p.prefix,
      service: p.service,
      type: 'Prefix' as const,
      faultInjection: p.faultInjectionOnly,
    })),
    ...documentPaths.map((p) => edge(p, 'Exact')),
    edge('/problems', 'Prefix'),
    ...uiPaths.map((p) => edge(p, 'Exact')),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = chartRoutes().map(
    (r) => `- { path: ${r.path}, service: ${r.service}, type: ${r.type}, faultInjection: ${r.faultInjection} }`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
