import { describe, expect, it } from '@jest/globals';
import { percentile, quantileOfSorted, quantiles } from './quantiles.ts';

describe('percentiles (nearest rank)', () => {
  const values = [15, 20, 35, 40, 50];

  it('given five values, then p30 is the 2nd, p40 the 2nd, p50 the 3rd, p100 the largest', () => {
    const q = quantiles(values);
    expect([q(30), q(40), q(50), q(100)]).toEqual([20, 20, 35, 50]);
  });

  it('given p 0, then the smallest value', () => {
    expect(percentile(values, 0)).toBe(15);
  });

  it('given values in any order, then the same as sorted, and the input is left as it was', () => {
    const shuffled = [40, 15, 50, 35, 20];
    expect(percentile(shuffled, 50)).toBe(35);
    expect(shuffled).toEqual([40, 15, 50, 35, 20]);
  });

  it('given 100 values 1..100, then p99 is 99 (not the maximum) and p50 is 50', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileOfSorted(hundred, 99)).toBe(99);
    expect(quantileOfSorted(hundred, 50)).toBe(50);
  });

  it('given one value, then every percentile is that value', () => {
    expect([0, 50, 99, 100].map((p) => percentile([7], p))).toEqual([7, 7, 7, 7]);
  });

  it('given no values, then NaN', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(quantiles([])(99)).toBeNaN();
  });
});
