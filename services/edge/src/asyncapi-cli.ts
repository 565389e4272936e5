/**
 * Writes the AsyncAPI document the edge serves to services/edge/asyncapi.json,
 * keys sorted and formatted like the rest of the repo, so it can be committed
 * and reviewed beside openapi.json: `npm run asyncapi`. asyncapi.spec.ts fails
 * when the committed file and the generated document differ. A dev tool:
 * prettier comes from the workspace root's devDependencies.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { asyncApiJson } from '@baedal/platform/contracts/asyncapi';
import { format, resolveConfig } from 'prettier';

const target = fileURLToPath(new URL('../asyncapi.json', import.meta.url));
const options = (await resolveConfig(target)) ?? {};
await writeFile(target, await format(asyncApiJson(), { ...options, filepath: target }));
console.warn(`wrote ${target}`);
