/**
 * Writes the OpenAPI document the edge serves to services/edge/openapi.json,
 * keys sorted and formatted like the rest of the repo, so it can be committed
 * and reviewed: `npm run openapi`. openapi.spec.ts fails when the committed
 * file and the generated document differ. A dev tool: prettier comes from the
 * workspace root's devDependencies.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { openApiJson } from './openapi.ts';

const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
const options = (await resolveConfig(target)) ?? {};
await writeFile(target, await format(openApiJson(), { ...options, filepath: target }));
console.warn(`wrote ${target}`);
