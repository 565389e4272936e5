import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { endpointRows, tableInReadme } from './route-docs.ts';
import type { RouteOwner } from './routes.ts';

const services: RouteOwner[] = ['order', 'payment', 'store', 'delivery', 'customer', 'edge'];

describe("the services' README endpoint tables", () => {
  it.each(services)(
    'when %s/README.md is read, then its table is the route table (otherwise run npm run routes)',
    (service) => {
      const readme = readFileSync(new URL(`../../../../services/${service}/README.md`, import.meta.url), 'utf8');
      expect(tableInReadme(readme)).toEqual(endpointRows(service));
    },
  );
});
