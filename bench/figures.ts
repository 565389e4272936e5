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
