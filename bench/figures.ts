/** How the bench rounds and summarises what it measured. */
import { quantileOfSorted } from '../test/kit/quantiles.ts';

export const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Count, p50, p90, p99 and maximum of a list of milliseconds, to two decimals. */
export function percentiles(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    n: s.length,
    p50: r(quantileOfSorted(s, 50)),
    p90: r(quantileOfSorted(s, 90)),
    p99: r(quantileOfSorted(s, 99)),
    max: r(s.at(-1) ?? NaN),
  };
}

/** Slope of the least-squares line through (hours, MiB) points. */
export function slopePerHour(points: { atMs: number; mb: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const xs = points.map((p) => p.atMs / 3_600_000);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = points.reduce((a, p) => a + p.mb, 0) / n;
  let num = 0;
  let den = 0;
  points.forEach((p, i) => {
    const dx = (xs[i] ?? 0) - mx;
    num += dx * (p.mb - my);
    den += dx * dx;
  });
  return den === 0 ? 0 : num / den;
}
