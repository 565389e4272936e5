/**
 * Where a local stack keeps its state: everything lives under one folder at the
 * repository root (gitignored), so `rm -rf .stack` after `npm run stack -- down`
 * is a full reset.
 *
 * Stack instances: `BAEDAL_STACK_DIR` (default `.stack`, relative to the repo
 * root or absolute) moves the whole state folder, and `BAEDAL_PORT_OFFSET`
 * (topology.ts) shifts every port, so a second stack runs beside the default
 * one (`BAEDAL_STACK_DIR=.stack-kafka BAEDAL_PORT_OFFSET=1000`). Both are read
 * once, when this module loads.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (this file is tools/stack/paths.ts). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

const defaultStackDir = path.join(repoRoot, '.stack');

/** The state folder of this stack instance (`BAEDAL_STACK_DIR`, default `.stack`). */
export const stackDir = path.resolve(repoRoot, process.env.BAEDAL_STACK_DIR?.trim() || '.stack');
/** Whether this is the default instance (`.stack`). */
export const isDefaultStack = stackDir === defaultStackDir;

export const dataDir = path.join(stackDir, 'data');
export const logsDir = path.join(stackDir, 'logs');
export const pidsDir = path.join(stackDir, 'pids');
/** Written by tools/setup.sh: absolute path of the daprd binary. */
export const daprdPathFile = path.join(stackDir, 'daprd-path');
/** The Dapr resources the sidecars load, rendered from the repo's components/ (components.ts). */
export const componentsDir = path.join(stackDir, 'components');
/** The broker the stack was brought up with (`redis` or `kafka`), remembered across `down`/`up`. */
export const brokerFile = path.join(stackDir, 'broker');
/** Generated configuration of the Kafka broker (server.properties). */
export const kafkaConfigDir = path.join(stackDir, 'kafka');

/** Log file of a process id (`order`, `order-dapr`, `mariadb`). */
export function logFile(id: string): string {
  return path.join(logsDir, `${id}.log`);
}

export function pidFile(id: string): string {
  return path.join(pidsDir, `${id}.pid`);
}

/**
 * The MariaDB socket. A Unix socket path may not exceed 107 bytes, so a state
 * folder deep in the tree falls back to a per-instance name in the temp dir.
 */
export function mariadbSocket(): string {
  const preferred = path.join(stackDir, 'mariadb.sock');
  if (Buffer.byteLength(preferred) <= 100) return preferred;
  const tag = createHash('sha256')
    .update(isDefaultStack ? repoRoot : stackDir)
    .digest('hex')
    .slice(0, 10);
  return path.join(os.tmpdir(), `baedal-mariadb-${tag}.sock`);
}

export function ensureStateDirs(): void {
  for (const dir of [stackDir, dataDir, logsDir, pidsDir]) fs.mkdirSync(dir, { recursive: true });
}

/** Path relative to the repo root, for messages (absolute when outside the repo). */
export function rel(p: string): string {
  const r = path.relative(repoRoot, p);
  if (r.startsWith('..') || path.isAbsolute(r)) return p;
  return r || '.';
}
