/**
 * Which locked rows a relay may publish (per-key order across replicas) and
 * what a failed publish leads to (backoff, then parking).
 */
import { describe, expect, it } from '@jest/globals';
import { afterFailure, claimablePrefix, defaultClaimPolicy } from './outbox-claims.ts';

const row = (seq: number, partitionKey: string) => ({ seq, partitionKey });
const pending = (entries: Record<string, number[]>) => new Map(Object.entries(entries));

describe('claimablePrefix', () => {
  it('when a relay holds every pending row of its keys, then it publishes them all, in sequence order', () => {
    const locked = [row(1, 'a'), row(2, 'b'), row(3, 'a')];
    expect(claimablePrefix(locked, pending({ a: [1, 3], b: [2] }))).toEqual(locked);
  });

  it("when another relay holds a key's earlier row, then this relay leaves the whole key alone", () => {
    // Row 1 of key a is locked or leased elsewhere: publishing 3 now would overtake it.
    const locked = [row(2, 'b'), row(3, 'a')];
    expect(claimablePrefix(locked, pending({ a: [1, 3], b: [2] }))).toEqual([row(2, 'b')]);
  });

  it('when another relay holds a row in the middle of a key, then this relay stops the key before it', () => {
    const locked = [row(1, 'a'), row(5, 'a'), row(6, 'a')];
    expect(claimablePrefix(locked, pending({ a: [1, 4, 5, 6] }))).toEqual([row(1, 'a')]);
  });

  it('when nothing is pending for a key any more (published meanwhile), then none of its rows is taken', () => {
    expect(claimablePrefix([row(7, 'a')], pending({}))).toEqual([]);
  });
});

describe('afterFailure', () => {
  const policy = { ...defaultClaimPolicy, maxAttempts: 5, retryBaseMs: 1000, retryMaxMs: 4000 };

  it('when a publish fails, then the row waits a doubling delay, capped', () => {
    expect([1, 2, 3, 4].map((n) => afterFailure(n, policy))).toEqual([
      { park: false, retryInMs: 1000 },
      { park: false, retryInMs: 2000 },
      { park: false, retryInMs: 4000 },
      { park: false, retryInMs: 4000 },
    ]);
  });

  it('when the attempts reach maxAttempts, then the row is parked', () => {
    expect(afterFailure(5, policy)).toEqual({ park: true });
    expect(afterFailure(6, policy)).toEqual({ park: true });
  });
});
