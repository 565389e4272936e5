/**
 * The Dapr sidecar of the local stack: where its binary is and how it is run.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { StackError } from './proc.ts';
import { daprdPathFile, ensureStateDirs, rel, repoRoot } from './paths.ts';
import type { AppSpec } from './topology.ts';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Absolute path of daprd: from .stack/daprd-path (written by tools/setup.sh), or,
 * when that is missing or stale, from tools/daprd/build.sh (which may build it).
 */
export function daprdBinary(): string {
  try {
    const recorded = fs.readFileSync(daprdPathFile, 'utf8').trim();
    if (recorded && isExecutable(recorded)) return recorded;
  } catch {
    // not recorded yet
  }
  const build = path.join(repoRoot, 'tools/daprd/build.sh');
  if (!fs.existsSync(build)) {
    throw new StackError(`daprd is not set up and ${rel(build)} is missing: run \`npm run setup\``);
  }
  process.stdout.write(`[stack] ${rel(daprdPathFile)} missing; running ${rel(build)}\n`);
  const r = spawnSync('bash', [build], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  const found = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !found || !isExecutable(found)) {
    throw new StackError(`${rel(build)} failed (exit ${r.status ?? r.signal}); run \`npm run setup\` and read its output`);
  }
  ensureStateDirs();
  fs.writeFileSync(daprdPathFile, `${found}\n`);
  return found;
}

/**
 * Command-line flags of one app's sidecar. daprd runs with cwd = repo root, so
 * `components/` and the SQLite name-resolution file (.stack/nameresolution.db,
 * set in components/config.yaml) resolve from there.
 *
 * Standalone daprd 1.18 without a control plane:
 * - `--placement-host-address ''` and `--scheduler-host-address ''` switch off
 *   actors and the scheduler (otherwise it retries localhost:50005/50006 forever);
 * - every listener binds 127.0.0.1, and DAPR_HOST_IP (see sidecarEnv) makes the
 *   sidecar register 127.0.0.1 in name resolution, so invocation between sidecars
 *   stays on loopback.
 */
export function sidecarArgs(app: AppSpec, resourcesPath = 'components'): string[] {
  const d = app.dapr;
  if (!d) throw new StackError(`${app.name} has no sidecar`);
  // prettier-ignore
  return [
    '--mode', 'standalone',
    '--app-id', app.name,
    '--app-port', String(app.appPort),
    '--app-protocol', 'http',
    '--app-channel-address', '127.0.0.1',
    '--dapr-http-port', String(d.httpPort),
    '--dapr-grpc-port', String(d.grpcPort),
    '--dapr-internal-grpc-port', String(d.internalGrpcPort),
    '--dapr-listen-addresses', '127.0.0.1',
    '--dapr-internal-grpc-listen-address', '127.0.0.1',
    '--metrics-port', String(d.metricsPort),
    '--metrics-listen-address', '127.0.0.1',
    '--resources-path', resourcesPath,
    '--config', 'components/config.yaml',
    '--log-level', 'warn',
    '--enable-app-health-check',
    '--app-health-check-path', '/healthz',
    '--app-health-probe-interval', '5',
    '--placement-host-address', '',
    '--scheduler-host-address', '',
  ];
}

/** Environment of a sidecar: minimal, plus the address it advertises to the other sidecars. */
export function sidecarEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? repoRoot,
    DAPR_HOST_IP: '127.0.0.1',
  };
}

/** Ports a sidecar listens on (checked to be free before it starts). */
export function sidecarPorts(app: AppSpec): number[] {
  const d = app.dapr;
  return d ? [d.httpPort, d.grpcPort, d.internalGrpcPort, d.metricsPort] : [];
}
