/**
 * MariaDB, Redis, Dapr's Sentry, (in a Kafka stack) Kafka and (in an observed
 * stack) Zipkin and Prometheus of the local stack: project-owned processes
 * with their data under <state dir>, listening on 127.0.0.1 (Sentry's health
 * port aside, sentry.ts).
 */

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { kafkaPing } from './kafka.ts';
import type { StackKafka } from './kafka.ts';
import { rel, repoRoot } from './paths.ts';
import type { StackPaths } from './paths.ts';
import { StackError, assertPortsFree, say, tailLines } from './proc.ts';
import type { Marker, ProcSpec, StackProcs } from './proc.ts';
import type { StackObserve } from './observe.ts';
import type { StackSentry } from './sentry.ts';
import { localDemoSecrets } from './topology.ts';
import type { InfraName, StackTopology } from './topology.ts';

const isRoot = process.getuid?.() === 0;

/** Grace period of SIGTERM before SIGKILL: MariaDB flushes InnoDB, Kafka shuts down in a controlled way. */
export const infraGraceMs = 30_000;

/** Find a server binary on PATH or in the sbin folders (not on a normal user's PATH). */
export function findBinary(names: string[], debPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'].filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      } catch {
        // keep looking
      }
    }
  }
  throw new StackError(`${names[0]} not found (Debian package ${debPackage}): run \`npm run setup\``);
}

/** Run a command to completion without blocking the event loop (other starts go on meanwhile). */
function run(
  command: string,
  args: string[],
  opts: { input?: string; logTo?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const fd = opts.logTo === undefined ? undefined : fs.openSync(opts.logTo, 'a');
    const child = spawn(command, args, {
      cwd: repoRoot,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', fd ?? 'ignore', fd ?? 'pipe'],
      timeout: opts.timeoutMs ?? 120_000,
    });
    if (fd !== undefined) fs.closeSync(fd);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin?.end(opts.input);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export type InfraProcesses = ReturnType<typeof infraProcesses>;

/** The infra processes of one instance. */
export function infraProcesses(
  paths: StackPaths,
  topology: StackTopology,
  procs: StackProcs,
  kafka: StackKafka,
  sentry: StackSentry,
  observe: StackObserve,
) {
  const { dataDir, ensureStateDirs, logFile, mariadbSocket, pidFile } = paths;
  const { apps, infra } = topology;
  const { runningPid, spawnDetached, waitUntil } = procs;
  const { kafkaMarker, prepareKafka } = kafka;
  const { sentryMarker, sentryProbe, sentrySpec } = sentry;
  const { preparePrometheus, prepareZipkin, prometheusMarker, prometheusProbe, zipkinMarker, zipkinProbe } = observe;

  const mariadbDataDir = path.join(dataDir, 'mariadb');
  const redisDataDir = path.join(dataDir, 'redis');

  /** What identifies each infra process in /proc/<pid>/cmdline. */
  function infraMarker(name: InfraName): Marker {
    if (name === 'mariadb') return `--datadir=${mariadbDataDir}`;
    if (name === 'kafka') return kafkaMarker;
    if (name === 'sentry') return sentryMarker;
    if (name === 'zipkin') return zipkinMarker;
    if (name === 'prometheus') return prometheusMarker;
    // redis-server soon rewrites its process title to "redis-server 127.0.0.1:<port>".
    return new RegExp(`redis-server .*\\b${infra.redis.port}\\b`);
  }

  function mariadbSpec(): ProcSpec {
    const sock = mariadbSocket();
    return {
      id: 'mariadb',
      command: findBinary(['mariadbd', 'mysqld'], 'mariadb-server'),
      args: [
        // Ignore /etc/mysql: only these flags apply.
        '--no-defaults',
        ...(isRoot ? ['--user=root'] : []),
        `--datadir=${mariadbDataDir}`,
        `--port=${infra.mariadb.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${sock}`,
        `--pid-file=${pidFile('mariadb')}`,
        `--log-error=${logFile('mariadb')}`,
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=64M',
        '--max-connections=200',
        // Debian's config (skipped by --no-defaults) is what normally sets utf8mb4;
        // the compiled-in default would be latin1.
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
      ],
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? repoRoot, TZ: 'UTC' },
      marker: infraMarker('mariadb'),
    };
  }

  function redisSpec(): ProcSpec {
    return {
      id: 'redis',
      command: findBinary(['redis-server'], 'redis-server'),
      // prettier-ignore
      args: [
        '--port', String(infra.redis.port),
        '--bind', '127.0.0.1',
        '--dir', redisDataDir,
        // Append-only file, fsync'd every second: a Redis restart loses no stream entry.
        '--appendonly', 'yes',
        '--appendfsync', 'everysec',
        '--save', '',
        '--daemonize', 'no',
        '--protected-mode', 'yes',
      ],
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? repoRoot },
      marker: infraMarker('redis'),
    };
  }

  /** First start: create the system tables (atomically: a failed init leaves no half datadir). */
  async function initMariadb(): Promise<void> {
    if (fs.existsSync(path.join(mariadbDataDir, 'mysql'))) return;
    const installDb = findBinary(['mariadb-install-db', 'mysql_install_db'], 'mariadb-server');
    const tmp = `${mariadbDataDir}.init`;
    fs.rmSync(tmp, { recursive: true, force: true });
    say(`initialising MariaDB data in ${rel(mariadbDataDir)}`);
    const r = await run(
      installDb,
      [
        '--no-defaults',
        ...(isRoot ? ['--user=root'] : []),
        `--datadir=${tmp}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
      ],
      { logTo: logFile('mariadb') },
    );
    if (r.code !== 0) {
      throw new StackError(
        `${path.basename(installDb)} failed (exit ${r.code}); ` +
          `last lines of ${rel(logFile('mariadb'))}:\n${tailLines(logFile('mariadb'), 20)}`,
      );
    }
    fs.rmSync(mariadbDataDir, { recursive: true, force: true });
    fs.renameSync(tmp, mariadbDataDir);
  }

  function mariadbClientArgs(): string[] {
    return ['--no-defaults', `--socket=${mariadbSocket()}`, '--user=root', '--connect-timeout=2'];
  }

  function mariadbPing(): Promise<true | string> {
    const admin = findBinary(['mariadb-admin', 'mysqladmin'], 'mariadb-client');
    return new Promise((resolve) => {
      execFile(admin, [...mariadbClientArgs(), 'ping'], { timeout: 5_000 }, (err, _stdout, stderr) => {
        resolve(err ? stderr.trim().split('\n').at(-1) || err.message : true);
      });
    });
  }

  /** Each app with a database gets it (and its moreDatabases), and a user `<app>`@127.0.0.1/localhost owning them. */
  async function ensureDatabases(): Promise<void> {
    const statements: string[] = [];
    for (const app of apps) {
      if (!app.database) continue;
      const databases = [app.database, ...(app.moreDatabases ?? [])];
      const bad = databases.find((d) => !/^\w+$/.test(d));
      if (bad !== undefined) throw new StackError(`bad database name ${bad}`);
      const password = sqlString(localDemoSecrets.dbPassword(app.name));
      for (const db of databases) {
        statements.push(`CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`);
      }
      for (const host of ['127.0.0.1', 'localhost']) {
        const user = `${sqlString(app.name)}@${sqlString(host)}`;
        statements.push(
          `CREATE USER IF NOT EXISTS ${user} IDENTIFIED BY ${password};`,
          `ALTER USER ${user} IDENTIFIED BY ${password};`,
          ...databases.map((db) => `GRANT ALL PRIVILEGES ON \`${db}\`.* TO ${user};`),
        );
      }
    }
    if (statements.length === 0) return;
    const client = findBinary(['mariadb', 'mysql'], 'mariadb-client');
    const r = await run(client, [...mariadbClientArgs(), '--batch'], {
      input: statements.join('\n'),
      timeoutMs: 30_000,
    });
    if (r.code !== 0) throw new StackError(`creating databases failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  function redisPing(): Promise<true | string> {
    return new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port: infra.redis.port, timeout: 2_000 });
      let answer = '';
      const done = (r: true | string): void => {
        sock.destroy();
        resolve(r);
      };
      sock.once('connect', () => sock.write('PING\r\n'));
      sock.on('data', (chunk) => {
        answer += chunk.toString('utf8');
        if (answer.includes('\r\n')) done(answer.startsWith('+PONG') ? true : answer.trim());
      });
      sock.once('timeout', () => done('timeout'));
      sock.once('error', (err) => done(err.message));
    });
  }

  /** Whether the infra process answers (MariaDB: ping over its socket; Redis: PING; Kafka: ApiVersions). */
  function infraProbe(name: InfraName): Promise<true | string> {
    if (name === 'mariadb') return mariadbPing();
    if (name === 'kafka') return kafkaPing(infra.kafka.port);
    if (name === 'sentry') return sentryProbe();
    if (name === 'zipkin') return zipkinProbe();
    if (name === 'prometheus') return prometheusProbe();
    return redisPing();
  }

  /** What to spawn; prepares the data first (MariaDB: system tables; Kafka: jars, config, storage format). */
  async function prepareInfra(name: InfraName): Promise<ProcSpec> {
    if (name === 'mariadb') {
      await initMariadb();
      return mariadbSpec();
    }
    if (name === 'kafka') return prepareKafka();
    if (name === 'sentry') return sentrySpec();
    if (name === 'zipkin') return prepareZipkin();
    if (name === 'prometheus') return preparePrometheus();
    fs.mkdirSync(redisDataDir, { recursive: true });
    return redisSpec();
  }

  /** Start (if not running) and wait until it answers; MariaDB also gets the app databases. */
  async function startInfra(name: InfraName, timeoutMs = 60_000): Promise<void> {
    ensureStateDirs();
    const marker = infraMarker(name);
    const started = Date.now();
    let pid = runningPid(name, marker);
    if (pid === null) {
      // Every port it listens on (Kafka's controller, Sentry's health).
      await assertPortsFree(name, Object.values(infra[name]));
      pid = await spawnDetached(await prepareInfra(name));
      say(`started ${name} (pid ${pid}, port ${infra[name].port})`);
    }
    try {
      await waitUntil({
        what: name,
        timeoutMs,
        probe: () => infraProbe(name),
        mustLive: [{ id: name, marker }],
        intervalMs: 100,
      });
    } catch (err) {
      if (err instanceof StackError) {
        err.message += `\n--- last lines of ${rel(logFile(name))}:\n${tailLines(logFile(name), 20)}`;
      }
      throw err;
    }
    if (name === 'mariadb') await ensureDatabases();
    say(`${name} ready on 127.0.0.1:${infra[name].port} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  }

  return { infraMarker, infraProbe, startInfra };
}
