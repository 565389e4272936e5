/**
 * The floors the bench measures a route against, each a bare Koa app in its
 * own process on the same machine: `hello` answers at once, `insert` inserts
 * and commits one row in MariaDB (the instance's own database baedal_bench).
 * A ratio to a floor measured in the same run travels between machines; a raw
 * rate does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as paths from '../../tools/stack/paths.ts';
import * as topology from '../../tools/stack/topology.ts';
import { rootDb } from '../instance.ts';
import { combine, run, type LoadSpec } from '../load.ts';
import { benchDir, durations, log, profile, repoRoot } from '../settings.ts';

export const floorPorts = { hello: topology.port(3190), insert: topology.port(3191) };

const floorDb = {
  name: 'baedal_bench',
  user: 'bench',
  password: topology.localDemoSecrets.dbPassword('bench'),
};

async function prepareFloorDb(): Promise<void> {
  const db = await rootDb();
  try {
    const pw = db.escape(floorDb.password);
    await db.query(`
      create database if not exists ${floorDb.name} character set utf8mb4 collate utf8mb4_unicode_ci;
      create user if not exists '${floorDb.user}'@'127.0.0.1' identified by ${pw};
      alter user '${floorDb.user}'@'127.0.0.1' identified by ${pw};
      grant all privileges on ${floorDb.name}.* to '${floorDb.user}'@'127.0.0.1';
      create table if not exists ${floorDb.name}.floor_row (
        id char(36) not null primary key,
        body json not null,
        created_at datetime(3) not null
      ) engine=InnoDB default charset=utf8mb4;
      truncate table ${floorDb.name}.floor_row;`);
  } finally {
    await db.end();
  }
}

const floorProcesses = new Map<'hello' | 'insert', ChildProcess>();

/** The floors' processes by name, for the CPU figures. */
export function floorPids(): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const [name, child] of floorProcesses) if (child.pid !== undefined) pids[`${name} floor`] = child.pid;
  return pids;
}

export async function startFloor(name: 'hello' | 'insert', env: Record<string, string>): Promise<void> {
  const logPath = paths.logFile(`bench-floor-${name}`);
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const out = fs.openSync(logPath, 'a');
  const child = spawn(process.execPath, [path.join(benchDir, 'floors', `${name}.ts`)], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'development',
      ...(process.env.BAEDAL_NODE_OPTIONS && !profile ? { NODE_OPTIONS: process.env.BAEDAL_NODE_OPTIONS } : {}),
      PORT: String(floorPorts[name]),
      ...env,
    },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  floorProcesses.set(name, child);
  const deadline = Date.now() + 20_000;
  while (!(await answers(`http://127.0.0.1:${floorPorts[name]}/`))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the ${name} floor did not start; see ${paths.rel(logPath)}`);
    }
    await sleep(100);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(1000) })).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export function stopFloors(): void {
  for (const child of floorProcesses.values()) if (child.exitCode === null) child.kill('SIGTERM');
  floorProcesses.clear();
}

/**
 * A floor is measured in two halves, just before and just after the route it
 * is the floor of, in its own process, with the route's autocannon settings:
 * whatever else the machine did meanwhile weighs on both alike.
 */
export async function floorHalves(name: 'hello' | 'insert', spec: LoadSpec, route: () => Promise<void>) {
  log(`${name} floor, first half: ${spec.connections} connections, ${spec.seconds}s`);
  await run({ ...spec, seconds: durations.warmup });
  const first = await run(spec);
  await route();
  log(`${name} floor, second half: ${spec.seconds}s`);
  const second = await run(spec);
  return combine(first, second);
}

export async function startInsertFloor(): Promise<void> {
  await prepareFloorDb();
  await startFloor('insert', {
    DB_HOST: '127.0.0.1',
    DB_PORT: String(topology.infra.mariadb.port),
    DB_NAME: floorDb.name,
    DB_USER: floorDb.user,
    DB_PASSWORD: floorDb.password,
  });
}
