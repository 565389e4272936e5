/**
 * A binary of the stack that a build script of the repo provides (daprd,
 * Sentry): the path recorded in the instance's state folder (tools/setup.sh
 * records the default stack's), else the last line the script prints (it
 * builds once into a cache outside the repo, later runs only print the path),
 * recorded then, so the next start of the instance skips the script.
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

/** Absolute path of the binary that `buildScript` (repo-relative) provides, recorded in `pathFile`. */
export function builtBinary(pathFile: string, buildScript: string): string {
  try {
    const recorded = fs.readFileSync(pathFile, 'utf8').trim();
    if (recorded && isExecutable(recorded)) return recorded;
  } catch {
    // not recorded yet
  }
  const build = path.join(repoRoot, buildScript);
  if (!fs.existsSync(build)) {
    throw new StackError(`${rel(pathFile)} is missing and so is ${rel(build)}: run \`npm run setup\``);
  }
  process.stdout.write(`[stack] ${rel(pathFile)} missing; running ${rel(build)}\n`);
  const r = spawnSync('bash', [build], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  const found = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !found || !isExecutable(found)) {
    throw new StackError(
      `${rel(build)} failed (exit ${r.status ?? r.signal}); run \`npm run setup\` and read its output`,
    );
  }
  fs.mkdirSync(path.dirname(pathFile), { recursive: true });
  fs.writeFileSync(pathFile, `${found}\n`);
  return found;
}
