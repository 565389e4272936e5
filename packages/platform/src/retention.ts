/**
 * Retention: rows that only guard against duplicates or keep a trail grow for
 * ever otherwise. A periodic job (repeat.ts) deletes those older than the
 * configured age (RETENTION_DAYS), oldest first, in bounded batches (a short
 * lock each, never one huge DELETE), so it can run beside the traffic. Every
 * replica may run it: a row deleted by one is simply not found by the other.
 *
 * Why the age is safe (docs/outbox.md): an inbox marker must outlive every
 * redelivery of its event (pub/sub retries and processingTimeout: under a
 * minute; re-drive: within ten re-drive periods); a published outbox row is
 * read by re-drive and the order's event log only while the order runs.
 */
import type { EntityManager, MikroORM } from '@mikro-orm/mysql';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { repeat } from './repeat.ts';

/** A table and the column that dates its rows; `where` limits what may go (pending outbox rows never). */
export interface RetentionTarget {
  table: string;
  column: string;
  where?: string;
}

/** The tables of the platform; a service adds its own (the order service's idempotency keys). */
export const retentionTargets = {
  outbox: { table: 'outbox', column: 'created_at', where: "state = 'published'" },
  inbox: { table: 'processed_event', column: 'processed_at' },
  deadLetters: { table: 'dead_letter', column: 'received_at' },
} as const satisfies Record<string, RetentionTarget>;

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  days: number;
  targets: readonly RetentionTarget[];
  /** Rows per DELETE. */
  batch?: number;
  /** DELETEs per table and run: what is left waits for the next run. */
  maxBatches?: number;
}

/**
 * One run over every target: deletes rows dated before now − days, `batch` at a
 * time, until a DELETE finds fewer than `batch` or `maxBatches` were done.
 * Returns the rows deleted per table.
 */
export async function prune(
  em: Pick<EntityManager, 'execute'>,
  opts: RetentionOptions,
  now = new Date(),
): Promise<Record<string, number>> {
  const { days, targets, batch = 1000, maxBatches = 20 } = opts;
  const deleted: Record<string, number> = {};
  if (days <= 0) return deleted;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  for (const t of targets) {
    if (!/^\w+$/.test(t.table) || !/^\w+$/.test(t.column))
      throw new Error(`bad retention target ${t.table}.${t.column}`);
    let count = 0;
    for (let i = 0; i < maxBatches; i++) {
      const result = await em.execute<{ affectedRows: number }>(
        `delete from ${t.table} where ${t.column} < ?${t.where ? ` and (${t.where})` : ''} order by ${t.column} limit ?`,
        [cutoff, batch],
        'run',
      );
      count += result.affectedRows;
      if (result.affectedRows < batch) break;
    }
    deleted[t.table] = count;
  }
  return deleted;
}

/** The periodic job: a run every `everyMs` (default 10 minutes), counted in retention_pruned_rows_total. */
export class RetentionJob {
  private loop: { stop(): void } | undefined;
  private readonly deps: { orm: MikroORM; logger: Logger; metrics: Metrics; everyMs?: number } & RetentionOptions;

  constructor(deps: RetentionJob['deps']) {
    this.deps = deps;
  }

  start(): void {
    if (this.deps.days <= 0) return;
    this.loop = repeat(
      this.deps.everyMs ?? 600_000,
      () => this.run(),
      (e) => this.deps.logger.warn({ err: e }, 'retention run failed'),
    );
  }

  stop(): void {
    this.loop?.stop();
  }

  async run(now = new Date()): Promise<Record<string, number>> {
    const deleted = await prune(this.deps.orm.em.fork(), this.deps, now);
    for (const [table, n] of Object.entries(deleted)) {
      if (n > 0) this.deps.metrics.rowsPruned.inc({ table }, n);
    }
    if (Object.values(deleted).some((n) => n > 0)) this.deps.logger.info({ deleted }, 'old rows pruned');
    return deleted;
  }
}
