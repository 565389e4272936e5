/**
 * MikroORM (mysql2 driver) for a service's own database: migrations from code
 * at start (never schema.update()). Each unit of work forks its own
 * EntityManager (`orm.em.fork()`, a fresh identity map); there is no global
 * context (allowGlobalContext: false) and no per-request one either, since no
 * code reads `orm.em` without forking it.
 */
import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/mysql';
import type { CommonConfig, DbConfig } from './config.ts';
import type { Logger } from './logger.ts';

export type Orm = MikroORM;
export type MigrationClass = NonNullable<NonNullable<Options['migrations']>['migrationsList']>[number];

/**
 * mysql2's `ssl` option for the configured TLS, or undefined for plain TCP.
 * Both checks are always on: rejectUnauthorized (the chain must lead to the
 * CA) and verifyIdentity (the certificate must name DB_HOST; mysql2 skips
 * that check unless asked). A connection that fails either is refused, never
 * downgraded. The CA file is read once, at start, so a missing file stops
 * the start.
 */
export function mysqlTlsOptions(
  tls: DbConfig['tls'],
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): (Pick<SecureContextOptions, 'ca'> & { rejectUnauthorized: true; verifyIdentity: true }) | undefined {
  if (!tls) return undefined;
  return { rejectUnauthorized: true, verifyIdentity: true, ...(tls.caFile ? { ca: readFile(tls.caFile) } : {}) };
}

/**
 * The options MikroORM hands to mysql2's createPool as they are. mysql2 gives
 * every connection a cache of prepared statements whose four index arrays it
 * allocates at full size up front: 16,000 entries by default, 512 KB of heap
 * per connection. Kysely (MikroORM's query layer) only sends plain queries, so
 * the cache stays empty; a small one keeps its index at a few KB.
 */
export function mysqlDriverOptions(tls: DbConfig['tls']) {
  const ssl = mysqlTlsOptions(tls);
  return { maxPreparedStatements: MAX_PREPARED_STATEMENTS, ...(ssl ? { ssl } : {}) };
}
const MAX_PREPARED_STATEMENTS = 32;

export async function openDatabase(opts: {
  db: NonNullable<CommonConfig['db']>;
  entities: NonNullable<Options['entities']>;
  migrations: MigrationClass[];
  logger: Logger;
  /**
   * MikroORM finds the EntityManager of a running transaction by this name
   * (AsyncLocalStorage): a second database in one process needs its own, or
   * its calls made inside the first one's transaction would run on the first
   * one's EntityManager.
   */
  contextName?: string;
}): Promise<MikroORM> {
  const { db, logger } = opts;
  const orm = await MikroORM.init({
    dbName: db.dbName,
    ...(opts.contextName ? { contextName: opts.contextName } : {}),
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    entities: opts.entities,
    extensions: [Migrator],
    // Connection pool per process; sized with the sidecar's concurrency in mind.
    pool: { min: 1, max: db.poolMax },
    driverOptions: mysqlDriverOptions(db.tls),
    timezone: '+00:00',
    forceUtcTimezone: true,
    allowGlobalContext: false,
    debug: false,
    // MikroORM's own messages (e.g. the migrator's) go through pino, not stdout.
    logger: (message: string) => logger.debug({ orm: message }, 'mikro-orm'),
    colors: false,
    migrations: {
      migrationsList: opts.migrations,
      transactional: true,
      allOrNothing: true,
      disableForeignKeys: false,
      snapshot: false,
    },
  });
  await waitForDatabase(() => orm.em.fork().getConnection().execute('select 1'), {
    logger,
    where: `${db.host}:${db.port}`,
    waitS: DATABASE_WAIT_S,
  });
  const applied = await migrateAlone(orm);
  if (applied.length) {
    logger.info({ database: db.dbName, migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  return orm;
}

/** Longest wait at start for the database to answer, in seconds. */
const DATABASE_WAIT_S = 120;

/**
 * The errors of a database that is not listening yet (or whose name is not in
 * DNS yet): worth another try. A refused certificate or password is not: it
 * ends the start at once, as it always did.
 */
const NOT_LISTENING_YET = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);

export function isNotListeningYet(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NOT_LISTENING_YET.has(code);
}

/**
 * Waits at start until the database answers `ping` (MikroORM connects lazily:
 * the first query would fail and end the process). A pod that starts beside a
 * database that is still starting (a new cluster, a chart installed with its
 * MariaDB) would otherwise restart, and kubelet's crash-loop back-off (10 s,
 * 20 s, 40 s ... up to 5 min) keeps it down long after the database is up.
 * Only isNotListeningYet errors are retried, for waitS at most; then the last
 * one ends the start.
 */
export async function waitForDatabase(
  ping: () => Promise<unknown>,
  opts: {
    logger: Pick<Logger, 'warn'>;
    where: string;
    waitS: number;
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
  },
): Promise<void> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.waitS * 1000;
  for (let attempt = 1, pauseMs = 250; ; attempt++, pauseMs = Math.min(pauseMs * 2, 5000)) {
    try {
      await ping();
      return;
    } catch (e) {
      if (!isNotListeningYet(e) || now() >= deadline) throw e;
      const code = (e as { code: string }).code;
      opts.logger.warn({ database: opts.where, code, attempt, retryInMs: pauseMs }, 'database not reachable yet');
    }
    await sleep(pauseMs);
  }
}

/** Longest wait for another instance's migrations, in seconds. */
const MIGRATION_LOCK_WAIT_S = 300;

/**
 * Runs the pending migrations while holding a named database lock, so that
 * replicas of one service starting together migrate one after the other (MySQL
 * commits each DDL statement at once: two running the same migration would
 * both create the same table, and one of them fail to start). The lock belongs
 * to the session of an open transaction that only holds it; it ends with that
 * session, so a process that dies while migrating frees it.
 */
async function migrateAlone(orm: MikroORM) {
  const conn = orm.em.getConnection();
  const name = `migrations:${orm.config.get('dbName')}`;
  const session = await conn.begin();
  try {
    const [got] = await conn.execute<{ ok: number | null }[]>(
      'select get_lock(?, ?) as ok',
      [name, MIGRATION_LOCK_WAIT_S],
      'all',
      session,
    );
    if (got?.ok !== 1) throw new Error(`no migration lock ${name} within ${MIGRATION_LOCK_WAIT_S} s`);
    try {
      return await orm.migrator.up();
    } finally {
      await conn.execute('select release_lock(?)', [name], 'all', session);
    }
  } finally {
    await conn.rollback(session);
  }
}

export async function databaseReachable(orm: MikroORM): Promise<boolean> {
  try {
    await orm.em.fork().getConnection().execute('select 1');
    return true;
  } catch {
    return false;
  }
}

/** True when a driver error is MySQL's duplicate-key error (ER_DUP_ENTRY). */
export function isDuplicateKey(e: unknown): boolean {
  const err = e as { code?: string; errno?: number; name?: string };
  return err.code === 'ER_DUP_ENTRY' || err.errno === 1062 || err.name === 'UniqueConstraintViolationException';
}
