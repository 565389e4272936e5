import { describe, expect, it } from '@jest/globals';
import { newestOfTheirKey, type OutboxRow } from './outbox-redrive.ts';

const at = (s: number) => new Date(Date.UTC(2026, 10, 26, 12, 0, s));
const row = (id: string, partitionKey: string, s: number, topic = 'orders'): OutboxRow => ({
  id,
  topic,
  partitionKey,
  createdAt: at(s),
});

describe('newestOfTheirKey', () => {
  const placedA = row('placed-a', 'order-a', 0);
  const acceptedA = row('accepted-a', 'order-a', 5);
  const placedB = row('placed-b', 'order-b', 1);

  it('keeps a due event only while no newer event of its key exists', () => {
    const all = [placedA, acceptedA, placedB];
    expect(newestOfTheirKey([placedA, placedB], all).map((r) => r.id)).toEqual(['placed-b']);
    expect(newestOfTheirKey([acceptedA], all).map((r) => r.id)).toEqual(['accepted-a']);
  });

  it('compares within one topic: a newer event of another topic does not supersede', () => {
    const pickedUp = row('picked-up-a', 'order-a', 9, 'deliveries');
    expect(newestOfTheirKey([acceptedA], [placedA, acceptedA, pickedUp]).map((r) => r.id)).toEqual(['accepted-a']);
  });

  it('events written in the same millisecond are both kept (a duplicate publish is harmless)', () => {
    const pickedUp = row('picked-up', 'order-c', 3, 'deliveries');
    const delivered = row('delivered', 'order-c', 3, 'deliveries');
    expect(newestOfTheirKey([pickedUp, delivered], [pickedUp, delivered])).toHaveLength(2);
  });
});
