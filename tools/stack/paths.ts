/**
 * Where a local stack instance keeps its state: everything lives under one
 * folder (the default `.stack` at the repository root, gitignored), so
 * `rm -rf .stack` after `npm run stack -- down` is a full reset.
 *
 * A second instance runs beside the default one with its own folder (and its
 * own port offset, topology.ts): instance.ts builds one from explicit options,
 * env-instance.ts the one `BAEDAL_STACK_DIR` names.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (this file is tools/stack/paths.ts). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** The default instance's state folder. */
export const defaultStackDir = path.join(repoRoot, '.stack');

/** Path relative to the repo root, for messages (absolute when outside the repo). */
export function rel(p: string): string {
  const r = path.relative(repoRoot, p);
  if (r.startsWith('..') || path.isAbsolute(r)) return p;
  return r || '.';
}

export type StackPaths = ReturnType<typeof stackPaths>;

/** The files of the instance whose state folder is `dir` (relative to the repo root or absolute). */
export function stackPaths(dir: string) {
  const stackDir = path.resolve(repoRoot, dir.trim() || '.stack');
  const isDefaultStack = stackDir === defaultStackDir;
  const dataDir = path.join(stackDir, 'data');
  const logsDir = path.join(stackDir, 'logs');
  const pidsDir = path.join(stackDir, 'pids');
  return {
    /** The state folder of this instance, absolute. */
    stackDir,
    /** Whether this is the default instance (`.stack`). */
    isDefaultStack,
    dataDir,
    logsDir,
    pidsDir,
    /** The Dapr resources the sidecars load, rendered from the repo's components/ (components.ts). */
    componentsDir: path.join(stackDir, 'components'),
    /** The broker the stack was brought up with (`redis` or `kafka`), remembered across `down`/`up`. */
    brokerFile: path.join(stackDir, 'broker'),
    /** Present when the stack was brought up with `--observe` (observe.ts), remembered like the broker. */
    observeFile: path.join(stackDir, 'observe'),
    /** Generated configuration of the Kafka broker (server.properties). */
    kafkaConfigDir: path.join(stackDir, 'kafka'),

    /** Log file of a process id (`order`, `order-dapr`, `mariadb`). */
    logFile: (id: string): string => path.join(logsDir, `${id}.log`),
    pidFile: (id: string): string => path.join(pidsDir, `${id}.pid`),

    /**
     * The MariaDB socket. A Unix socket path may not exceed 107 bytes, so a state
     * folder deep in the tree falls back to a per-instance name in the temp dir.
     */
    mariadbSocket(): string {
      const preferred = path.join(stackDir, 'mariadb.sock');
      if (Buffer.byteLength(preferred) <= 100) return preferred;
      const tag = createHash('sha256')
        .update(isDefaultStack ? repoRoot : stackDir)
        .digest('hex')
        .slice(0, 10);
      return path.join(os.tmpdir(), `baedal-mariadb-${tag}.sock`);
    },

    ensureStateDirs(): void {
      for (const d of [stackDir, dataDir, logsDir, pidsDir]) fs.mkdirSync(d, { recursive: true });
    },
  };
}
