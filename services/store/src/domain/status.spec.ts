import { describe, expect, it } from '@jest/globals';
import { orderStatuses, type OrderStatus } from '@baedal/platform/contracts/events';
import { canAdvance, isFinal, isOrderStatus, statusesBefore } from './status.ts';

const lifecycle: OrderStatus[] = ['PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'DELIVERED', 'COMPLETED'];

describe('canAdvance', () => {
  it('when the next status is later in the lifecycle, then the row moves', () => {
    for (let i = 0; i < lifecycle.length; i++) {
      for (let j = i + 1; j < lifecycle.length; j++) {
        expect(canAdvance(lifecycle[i]!, lifecycle[j]!)).toBe(true);
      }
    }
  });

  it('when the next status is earlier or the same, then the row stays', () => {
    for (let i = 0; i < lifecycle.length; i++) {
      for (let j = 0; j <= i; j++) {
        expect(canAdvance(lifecycle[i]!, lifecycle[j]!)).toBe(false);
      }
    }
  });

  it('when an order is cancelled or rejected while open, then the exit wins', () => {
    for (const from of lifecycle.filter((s) => s !== 'COMPLETED')) {
      expect(canAdvance(from, 'CANCELLED')).toBe(true);
      expect(canAdvance(from, 'REJECTED')).toBe(true);
    }
  });

  it('when the row is final, then nothing moves it', () => {
    for (const from of ['COMPLETED', 'CANCELLED', 'REJECTED'] as const) {
      expect(isFinal(from)).toBe(true);
      for (const to of orderStatuses) expect(canAdvance(from, to)).toBe(false);
    }
  });

  it('when a late event repeats a status already passed, then it changes nothing (ACCEPTED after COOKED)', () => {
    expect(canAdvance('COOKED', 'ACCEPTED')).toBe(false);
    expect(canAdvance('COOKING', 'PAID')).toBe(false);
  });
});

describe('statusesBefore', () => {
  it('when moving to COOKING, then only PAID and ACCEPTED rows qualify', () => {
    expect(statusesBefore('COOKING')).toEqual(['PAID', 'ACCEPTED']);
  });

  it('when moving to CANCELLED, then every open status qualifies', () => {
    expect(statusesBefore('CANCELLED')).toEqual(['PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'DELIVERED']);
  });

  it('when moving to PAID, then no row qualifies', () => {
    expect(statusesBefore('PAID')).toEqual([]);
  });

  it('agrees with canAdvance for every pair', () => {
    for (const to of orderStatuses) {
      for (const from of orderStatuses) {
        expect(statusesBefore(to).includes(from)).toBe(canAdvance(from, to));
      }
    }
  });
});

describe('isOrderStatus', () => {
  it('when given a known status, then true; otherwise false', () => {
    expect(isOrderStatus('COOKED')).toBe(true);
    expect(isOrderStatus('cooked')).toBe(false);
    expect(isOrderStatus(3)).toBe(false);
  });
});
