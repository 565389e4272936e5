/**
 * How relay replicas share one outbox table (docs/outbox.md).
 *
 * Order: every row has a sequence number (`seq`, auto-increment), the order in
 * which its INSERT ran. Events of one key are written by transactions that hold
 * the key's own row (the order, the store), so a key's sequence numbers follow
 * its commits; two events of one transaction keep the order they were written
 * in (a millisecond timestamp ties there).
 *
 * Claims: a relay takes pending rows with `SELECT ... FOR UPDATE SKIP LOCKED`
 * (rows another relay is claiming at that moment are skipped, not waited for)
 * and stamps them with a lease (`claimed_by`, `claimed_until`) before its short
 * transaction ends; it publishes outside any transaction. A relay that dies
 * mid-publish leaves a lease that runs out, and the rows are claimed again (at
 * least once; every consumer deduplicates by event id). A failed publish sets
 * the lease to the retry time (exponential backoff), so the row and every later
 * row of its key wait; after `maxAttempts` failures the row is parked.
 *
 * Per-key order across relays: a relay keeps, of each key, only the rows that
 * are the key's first pending ones (claimablePrefix); a key whose earlier row is
 * claimed, backing off or locked by another relay is left for later. Hand-written
 * because Dapr publishes what it is given and has no outbox of its own here.
 */
import { IsolationLevel, type EntityManager, type MikroORM } from '@mikro-orm/mysql';

/** Migration DDL: the sequence, the lease and their indexes (the table comes from outboxTableSql). */
export const outboxClaimsSql = [
  `alter table outbox
    add column seq bigint not null auto_increment,
    add column claimed_by varchar(64) null,
    add column claimed_until datetime(3) null,
    add unique index outbox_seq (seq),
    add index outbox_claimable (state, seq),
    add index outbox_key_seq (partition_key, state, seq)`,
];

/** A row a relay holds the lease of. */
export interface ClaimedEvent {
  id: string;
  seq: number;
  topic: string;
  partitionKey: string;
  payload: Record<string, unknown>;
  attempts: number;
  /** The trace context the event is published in (outbox.ts), or null. */
  traceparent: string | null;
}

export interface ClaimPolicy {
  /** How long a claim holds: a relay that has not finished by then may see its rows published twice. */
  leaseMs: number;
  /** Failed publishes after which a row is parked (state 'parked', left for an operator). */
  maxAttempts: number;
  /** Wait after the first failure; doubled after each further one, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const defaultClaimPolicy: ClaimPolicy = {
  leaseMs: 30_000,
  maxAttempts: 20,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
};

/** What becomes of a row whose publish failed for the `attempts`-th time. */
export function afterFailure(
  attempts: number,
  policy: ClaimPolicy,
): { park: true } | { park: false; retryInMs: number } {
  if (attempts >= policy.maxAttempts) return { park: true };
  const retryInMs = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  return { park: false, retryInMs };
}

/**
 * Of the rows a relay locked (seq ascending), the ones it may publish: for each
 * key, the run of its rows that are also the key's first pending rows. `pending`
 * is, per key, the sequence numbers of every pending row of that key up to the
 * highest locked one (claimed elsewhere, backing off or locked by another relay
 * included). The run ends at the first pending row the relay does not hold.
 */
export function claimablePrefix<T extends { seq: number; partitionKey: string }>(
  locked: readonly T[],
  pending: ReadonlyMap<string, readonly number[]>,
): T[] {
  const byKey = new Map<string, T[]>();
  for (const row of locked) {
    const same = byKey.get(row.partitionKey);
    if (same) same.push(row);
    else byKey.set(row.partitionKey, [row]);
  }
  const out: T[] = [];
  for (const [key, rows] of byKey) {
    const seqs = pending.get(key) ?? [];
    for (let i = 0; i < rows.length && seqs[i] === rows[i]?.seq; i++) out.push(rows[i] as T);
  }
  return out.sort((a, b) => a.seq - b.seq);
}

interface RawRow {
  id: string;
  seq: number | string;
  topic: string;
  partition_key: string;
  payload: string | Record<string, unknown>;
  attempts: number;
  traceparent: string | null;
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** The outbox table as the relay uses it. */
export interface OutboxStore {
  /** Claims up to `limit` rows; `scanned` is how many pending rows it looked at. */
  claim(limit: number): Promise<{ events: ClaimedEvent[]; scanned: number }>;
  published(ids: readonly string[]): Promise<void>;
  /** Records a failed publish; returns whether the row was parked. */
  failed(event: ClaimedEvent, error: string): Promise<'retry' | 'parked'>;
  /** Gives back rows claimed but not tried (their key stopped on a failure). */
  release(ids: readonly string[]): Promise<void>;
}

export class SqlOutboxStore implements OutboxStore {
  private readonly orm: MikroORM;
  /** Names this relay in claimed_by (host and pid), for whoever looks at the table. */
  private readonly owner: string;
  private readonly policy: ClaimPolicy;

  constructor(orm: MikroORM, owner: string, policy: ClaimPolicy = defaultClaimPolicy) {
    this.orm = orm;
    this.owner = owner;
    this.policy = policy;
  }

  async claim(limit: number): Promise<{ events: ClaimedEvent[]; scanned: number }> {
    // READ COMMITTED: the locking read takes no gap locks, so services inserting new
    // events are never held up by a relay's claim.
    return this.orm.em.fork().transactional(
      async (em) => {
        const locked = (
          await em.execute<RawRow[]>(
            `select id, seq, topic, partition_key, payload, attempts, traceparent from outbox
             where state = 'pending' and (claimed_until is null or claimed_until < now(3))
             order by seq limit ? for update skip locked`,
            [limit],
          )
        ).map(toClaimed);
        if (locked.length === 0) return { events: [], scanned: 0 };
        const events = claimablePrefix(locked, await pendingOfKeys(em, locked));
        if (events.length > 0) {
          const ids = events.map((e) => e.id);
          await em.execute(
            `update outbox set claimed_by = ?, claimed_until = now(3) + interval ? microsecond
             where id in (${marks(ids.length)})`,
            [this.owner, this.policy.leaseMs * 1000, ...ids],
            'run',
          );
        }
        return { events, scanned: locked.length };
      },
      { isolationLevel: IsolationLevel.READ_COMMITTED },
    );
  }

  async published(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.orm.em.fork().execute(
      `update outbox set state = 'published', published_at = now(3), claimed_by = null, claimed_until = null
         where id in (${marks(ids.length)})`,
      [...ids],
      'run',
    );
  }

  async failed(event: ClaimedEvent, error: string): Promise<'retry' | 'parked'> {
    const attempts = event.attempts + 1;
    const next = afterFailure(attempts, this.policy);
    await this.orm.em.fork().execute(
      next.park
        ? `update outbox set attempts = ?, last_error = ?, state = 'parked', claimed_by = null, claimed_until = null
             where id = ?`
        : `update outbox set attempts = ?, last_error = ?, claimed_by = null,
             claimed_until = now(3) + interval ${Math.round(next.retryInMs * 1000)} microsecond
             where id = ?`,
      [attempts, error.slice(0, 1000), event.id],
      'run',
    );
    return next.park ? 'parked' : 'retry';
  }

  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.orm.em
      .fork()
      .execute(
        `update outbox set claimed_by = null, claimed_until = null where id in (${marks(ids.length)})`,
        [...ids],
        'run',
      );
  }
}

/** Per key of `locked`, the sequence numbers of its pending rows up to the highest locked one. */
async function pendingOfKeys(em: EntityManager, locked: readonly ClaimedEvent[]): Promise<Map<string, number[]>> {
  const keys = [...new Set(locked.map((r) => r.partitionKey))];
  const maxSeq = Math.max(...locked.map((r) => r.seq));
  const rows = await em.execute<{ partition_key: string; seq: number | string }[]>(
    `select partition_key, seq from outbox
     where state = 'pending' and partition_key in (${marks(keys.length)}) and seq <= ?
     order by seq`,
    [...keys, maxSeq],
  );
  const pending = new Map<string, number[]>();
  for (const r of rows) {
    const same = pending.get(r.partition_key);
    if (same) same.push(Number(r.seq));
    else pending.set(r.partition_key, [Number(r.seq)]);
  }
  return pending;
}

function toClaimed(r: RawRow): ClaimedEvent {
  return {
    id: r.id,
    seq: Number(r.seq),
    topic: r.topic,
    partitionKey: r.partition_key,
    // MariaDB's JSON is LONGTEXT underneath: the driver hands it over as text.
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : r.payload,
    attempts: r.attempts,
    traceparent: r.traceparent,
  };
}
