/**
 * `npm run routes`: writes the endpoint table of every service's README.md
 * from the route table of the contracts, between its marker comments, and
 * formats the file like the rest of the repo. route-docs.spec.ts fails when a
 * committed table differs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { withEndpointTable } from '../../packages/platform/src/contracts/route-docs.ts';
import type { RouteOwner } from '../../packages/platform/src/contracts/routes.ts';

const services: RouteOwner[] = ['order', 'payment', 'store', 'delivery', 'customer', 'edge'];
for (const service of services) {
  const target = fileURLToPath(new URL(`../../services/${service}/README.md`, import.meta.url));
  const options = (await resolveConfig(target)) ?? {};
  const next = withEndpointTable(await readFile(target, 'utf8'), service);
  await writeFile(target, await format(next, { ...options, filepath: target }));
  console.warn(`wrote ${target}`);
}
