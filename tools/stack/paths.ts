/**
 * Where the local stack keeps its state: everything lives under `.stack/` at the
 * repository root (gitignored), so `rm -rf .stack` after `npm run stack -- down`
 * is a full reset.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (this file is tools/stack/paths.ts). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export const stackDir = path.join(repoRoot, '.stack');
export const dataDir = path.join(stackDir, 'data');
export const logsDir = path.join(stackDir, 'logs');
export const pidsDir = path.join(stackDir, 'pids');
/** Written by tools/setup.sh: absolute path of the daprd binary. */
export const daprdPathFile = path.join(stackDir, 'daprd-path');

/** Log file of a process id (`order`, `order-dapr`, `mariadb`). */
export function logFile(id: string): string {
  return path.join(logsDir, `${id}.log`);
}

export function pidFile(id: string): string {
  return path.join(pidsDir, `${id}.pid`);
}

/**
 * The MariaDB socket. A Unix socket path may not exceed 107 bytes, so a repo
 * checked out deep in the tree falls back to a per-checkout name in the temp dir.
 */
export function mariadbSocket(): string {
  const preferred = path.join(stackDir, 'mariadb.sock');
  if (Buffer.byteLength(preferred) <= 100) return preferred;
  const tag = createHash('sha256').update(repoRoot).digest('hex').slice(0, 10);
  return path.join(os.tmpdir(), `baedal-mariadb-${tag}.sock`);
}

export function ensureStateDirs(): void {
  for (const dir of [stackDir, dataDir, logsDir, pidsDir]) fs.mkdirSync(dir, { recursive: true });
}

/** Path relative to the repo root, for messages. */
export function rel(p: string): string {
  return path.relative(repoRoot, p) || '.';
}
