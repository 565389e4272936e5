/**
 * What code a stack's apps run: when `up` (or start/restart) spawns an app, it
 * writes a hash of the tracked sources to <stack>/code/<app>. `stack code-check`
 * compares every running app's stamp with the sources now, so tools/test.sh
 * does not test a stack left running from older code (it restarts it).
 *
 * The hash covers the files git tracks under what the apps load (packages,
 * services, components, the lock file; not their *.md), read from the work
 * tree, so an uncommitted edit counts too. Files git does not know (new,
 * untracked) do not.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

const SOURCES = ['packages', 'services', 'components', 'package-lock.json'];

let cached: string | undefined;

/** sha256 over path and content of every tracked source file, in git's order. */
export function codeHash(): string {
  if (cached) return cached;
  const files = execFileSync('git', ['ls-files', '-z', '--', ...SOURCES], { cwd: repoRoot })
    .toString()
    .split('\0')
    .filter((f) => f && !f.endsWith('.md')); // prose: no process runs it
  const hash = createHash('sha256');
  for (const file of files) {
    let content: Buffer;
    try {
      content = fs.readFileSync(path.join(repoRoot, file));
    } catch {
      continue; // deleted in the work tree: not part of what runs
    }
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  cached = hash.digest('hex').slice(0, 16);
  return cached;
}

export type CodeStamps = ReturnType<typeof codeStamps>;

/** The code stamps of the instance whose state folder is `stackDir`. */
export function codeStamps(stackDir: string) {
  const stampDir = path.join(stackDir, 'code');

  /** Records that `app` was just started from the sources as they are now. */
  function writeCodeStamp(app: string): void {
    fs.mkdirSync(stampDir, { recursive: true });
    fs.writeFileSync(path.join(stampDir, app), `${codeHash()}\n`);
  }

  /** The stamp `app` was started with (undefined: started before stamps existed, or never). */
  function codeStampOf(app: string): string | undefined {
    try {
      return fs.readFileSync(path.join(stampDir, app), 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  return { writeCodeStamp, codeStampOf };
}
