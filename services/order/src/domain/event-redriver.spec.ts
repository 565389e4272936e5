import { describe, expect, it } from '@jest/globals';
import { orderStatuses } from '@baedal/platform/contracts/events';
import { firstRedriveAt, MAX_REDRIVES, nextRedriveAt } from './event-redriver.ts';
import { isTerminal } from './lifecycle.ts';

const t0 = new Date('2026-11-26T12:00:00.000Z');
const seconds = (from: Date, to: Date | null) => (to ? (to.getTime() - from.getTime()) / 1000 : null);

describe('re-drive schedule', () => {
  it('first re-drive comes afterSeconds after the status change', () => {
    expect(seconds(t0, firstRedriveAt(t0, 60))).toBe(60);
  });

  it('a running order is re-driven with a doubling wait, MAX_REDRIVES times in all', () => {
    const waits: (number | null)[] = [];
    for (let redrives = 1; redrives <= MAX_REDRIVES; redrives++)
      waits.push(seconds(t0, nextRedriveAt('COOKED', redrives, t0, 60)));
    expect(waits).toEqual([120, 240, 480, 960, 1920, null]);
  });

  it('an order that has ended is re-driven once', () => {
    for (const status of orderStatuses.filter(isTerminal)) expect(nextRedriveAt(status, 1, t0, 60)).toBeNull();
    for (const status of orderStatuses.filter((s) => !isTerminal(s)))
      expect(nextRedriveAt(status, 1, t0, 60)).not.toBeNull();
  });
});
