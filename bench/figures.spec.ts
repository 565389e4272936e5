import { describe, expect, it } from '@jest/globals';
import { slopePerHour } from './figures.ts';

describe('slopePerHour', () => {
  const hour = 3_600_000;
  it('when RSS grows 4 MiB in 30 minutes with noise around the line, then about 8 MiB per hour', () => {
    const points = Array.from({ length: 61 }, (_, i) => ({
      atMs: (i * hour) / 120,
      mb: 100 + (8 * i) / 120 + (i % 2 === 0 ? 0.5 : -0.5),
    }));
    expect(slopePerHour(points)).toBeCloseTo(8, 0);
  });

  it('when RSS is flat, or there is one point, then 0', () => {
    expect(slopePerHour([0, 1, 2].map((i) => ({ atMs: i * 30_000, mb: 120 })))).toBe(0);
    expect(slopePerHour([{ atMs: 0, mb: 120 }])).toBe(0);
  });

  it('when RSS falls, then a negative slope', () => {
    expect(
      slopePerHour([
        { atMs: 0, mb: 200 },
        { atMs: hour / 2, mb: 150 },
      ]),
    ).toBe(-100);
  });
});
