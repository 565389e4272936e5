/**
 * The retention run's statements against a fake connection (the real SQL runs
 * against MariaDB in test/integration/outbox-relays.test.ts): the cutoff, the
 * batches and their bound, and nothing at all when retention is off.
 */
import { describe, expect, it } from '@jest/globals';
import { prune, retentionTargets } from './retention.ts';

/** Answers each DELETE with the next count of `counts` (0 once they run out). */
function fakeEm(counts: number[]) {
  const calls: { sql: string; params: unknown[] }[] = [];
  return {
    calls,
    execute: async (sql: string, params: unknown[]) => {
      calls.push({ sql, params });
      return { affectedRows: counts.shift() ?? 0 };
    },
  };
}

const now = new Date('2026-12-06T12:00:00Z');

describe('prune', () => {
  it('when rows are due, then it deletes batch by batch until a batch comes back short', async () => {
    const em = fakeEm([2, 2, 1]);
    const deleted = await prune(em as never, { days: 7, targets: [retentionTargets.outbox], batch: 2 }, now);
    expect(deleted).toEqual({ outbox: 5 });
    expect(em.calls).toHaveLength(3);
    expect(em.calls[0]?.sql).toContain("and (state = 'published')");
    expect(em.calls[0]?.params).toEqual([new Date('2026-11-29T12:00:00Z'), 2]);
  });

  it('when a table has more due rows than one run may delete, then the run stops at maxBatches', async () => {
    const em = fakeEm([2, 2, 2, 2]);
    const deleted = await prune(
      em as never,
      { days: 1, targets: [retentionTargets.inbox], batch: 2, maxBatches: 3 },
      now,
    );
    expect(deleted).toEqual({ processed_event: 6 });
  });

  it('when retention is off (0 days), then nothing is deleted', async () => {
    const em = fakeEm([5]);
    expect(await prune(em as never, { days: 0, targets: [retentionTargets.inbox] }, now)).toEqual({});
    expect(em.calls).toHaveLength(0);
  });
});
