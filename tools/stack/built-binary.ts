/**
 * A binary of the stack that a build script of the repo provides (daprd,
 * Sentry): the last line the script prints. It builds once into a cache
 * outside the repo, keyed by its pins; later runs only print the path.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { rel, repoRoot } from './paths.ts';
import { StackError } from './proc.ts';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

const resolved = new Map<string, string>();

/** The path a build script prints last, or undefined when it fails (exit 3: nothing cached). */
function scriptBinary(build: string, env: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync('bash', [build], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const found = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  return r.status === 0 && found && isExecutable(found) ? found : undefined;
}

/**
 * Absolute path of the binary that `buildScript` (repo-relative) provides. The
 * script is asked first for its cached binary without building
 * (BAEDAL_CACHED_ONLY=1, a cache lookup of well under 0.1 s): the binary it
 * names follows its pins and patches, so none built before one of them changed
 * is run again. Only when nothing is cached does it build. Once per process.
 */
export function builtBinary(buildScript: string): string {
  const known = resolved.get(buildScript);
  if (known) return known;
  const build = path.join(repoRoot, buildScript);
  if (!fs.existsSync(build)) {
    throw new StackError(`${rel(build)} is missing: run \`npm run setup\` from a complete checkout`);
  }
  let found = scriptBinary(build, { BAEDAL_CACHED_ONLY: '1' });
  if (!found) {
    process.stdout.write(`[stack] ${rel(build)}: nothing cached for its pins; building once\n`);
    found = scriptBinary(build, {});
  }
  if (!found) throw new StackError(`${rel(build)} failed; run \`npm run setup\` and read its output`);
  resolved.set(buildScript, found);
  return found;
}
