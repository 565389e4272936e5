import { describe, expect, it } from '@jest/globals';
import { orderStatuses, statusOfEvent } from './events.ts';
import { allowedTransitions, eventTypeOfStatus, finalStatuses, statusRank } from './lifecycle.ts';

describe('the order lifecycle contract', () => {
  it('when a status has an event, then eventTypeOfStatus names that event and no other status shares it', () => {
    for (const status of orderStatuses) expect(statusOfEvent[eventTypeOfStatus[status]]).toBe(status);
    expect(new Set(Object.values(eventTypeOfStatus)).size).toBe(orderStatuses.length);
  });

  it('when an order moves, then it moves up the rank (a view that keeps the highest status never goes back)', () => {
    for (const from of orderStatuses)
      for (const to of allowedTransitions[from]) expect(statusRank[to]).toBeGreaterThan(statusRank[from]);
  });

  it('then the final statuses are completion and the two exits', () => {
    expect([...finalStatuses].sort()).toEqual(['CANCELLED', 'COMPLETED', 'REJECTED']);
  });
});
