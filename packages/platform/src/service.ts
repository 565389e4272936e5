/**
 * The start of a service that keeps its data in its own database and publishes
 * through an outbox (order, payment, store, delivery): what each of them did in
 * the same dozen steps, written once.
 *
 *   const service = await openService(config, { entities, migrations });
 *   runService(service, { app: buildApp({ config, ...service }), redrive: [...] });
 *
 * openService: logger, metrics, the database with its migrations (the outbox
 * and inbox tables included), the sidecar client and the outbox relay. Between
 * the two calls a service prepares what its app needs (demo data, a second
 * database). runService: the retention job, re-drive of the event types named,
 * the service's own jobs, then listens; on SIGTERM it stops them in reverse,
 * lets the relay finish its batch and closes the database last.
 */
import type { Options } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/mysql';
import type Koa from 'koa';
import type { CommonConfig, DbConfig } from './config.ts';
import type { AnyEvent } from './contracts/events.ts';
import { openDatabase, type MigrationClass } from './db.ts';
import { DaprSidecar } from './dapr.ts';
import { ProcessedEvent } from './inbox.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { OutboxMessage, OutboxRelay, watchOutboxBacklog } from './outbox.ts';
import { OutboxRedriver } from './outbox-redrive.ts';
import { RetentionJob, retentionTargets, type RetentionTarget } from './retention.ts';
import { serve } from './serve.ts';

export type DatabaseServiceConfig = CommonConfig & { db: DbConfig };

/** What every database service has once it is open: passed to its app and its jobs. */
export interface OpenService {
  logger: Logger;
  metrics: Metrics;
  orm: MikroORM;
  dapr: DaprSidecar;
  relay: OutboxRelay;
  /** The settings it was opened with. */
  settings: Pick<DatabaseServiceConfig, 'service' | 'port' | 'host' | 'db'>;
}

/** A loop beside the request handlers (a sweeper, a reconciler). */
export interface BackgroundJob {
  start(): void;
  stop(): void | Promise<void>;
}

export async function openService(
  config: DatabaseServiceConfig,
  parts: {
    /** The service's own entities; the outbox and inbox ones are added here. */
    entities: NonNullable<Options['entities']>;
    migrations: MigrationClass[];
  },
): Promise<OpenService> {
  const logger = createLogger(config.service, config.logLevel);
  const metrics = new Metrics(config.service);
  const orm = await openDatabase({
    db: config.db,
    entities: [...parts.entities, OutboxMessage, ProcessedEvent],
    migrations: parts.migrations,
    logger,
  });
  const dapr = new DaprSidecar(config.dapr);
  watchOutboxBacklog(orm, metrics);
  const relay = new OutboxRelay({
    orm,
    dapr,
    pubsub: config.dapr.pubsub,
    source: config.service,
    logger,
    metrics,
    claims: { maxAttempts: config.db.outboxMaxAttempts },
  });
  const { service, port, host, db } = config;
  return { logger, metrics, orm, dapr, relay, settings: { service, port, host, db } };
}

export function runService(
  service: OpenService,
  parts: {
    app: Koa;
    /** Tables pruned after RETENTION_DAYS besides the outbox and the inbox markers. */
    retain?: RetentionTarget[];
    /**
     * The event types worth a second publish when their key stays quiet
     * (outbox-redrive.ts): what another service must act on. None: no re-drive.
     */
    redrive?: readonly AnyEvent['type'][];
    jobs?: BackgroundJob[];
    /** Closed after the database (a second database, say). */
    close?: (() => Promise<void>)[];
  },
): void {
  const { logger, metrics, orm, relay, settings } = service;
  const retention = new RetentionJob({
    orm,
    logger,
    metrics,
    days: settings.db.retentionDays,
    targets: [retentionTargets.outbox, retentionTargets.inbox, ...(parts.retain ?? [])],
  });
  const redriver = new OutboxRedriver({
    orm,
    relay,
    logger,
    metrics,
    afterSeconds: settings.db.outboxRedriveAfterSeconds,
    types: parts.redrive ?? [],
  });
  const jobs: BackgroundJob[] = [retention, redriver, ...(parts.jobs ?? [])];

  relay.start();
  for (const job of jobs) job.start();
  // Whatever an earlier process left unpublished goes out now, not at the relay's first tick.
  relay.kick();
  serve(parts.app, {
    port: settings.port,
    host: settings.host,
    logger,
    onShutdown: async () => {
      for (const job of [...jobs].reverse()) await job.stop();
      await relay.stop();
      await orm.close();
      for (const close of parts.close ?? []) await close();
    },
  });
}
