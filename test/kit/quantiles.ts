/**
 * Percentiles as the bench, the load tests and the fault tests report them:
 * nearest rank, the smallest value with at least p % of the values at or below
 * it (k6's p(95) reads alike). p = 0 is the minimum, p = 100 the maximum; an
 * empty list has NaN for every p.
 */

/** The p-th percentile of values already sorted ascending. */
export function quantileOfSorted(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** The p-th percentile of values in any order (sorts a copy). */
export function percentile(values: readonly number[], p: number): number {
  return quantileOfSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** Percentiles of one list: sorts a copy once, then answers for any p. */
export function quantiles(values: readonly number[]): (p: number) => number {
  const sorted = [...values].sort((a, b) => a - b);
  return (p) => quantileOfSorted(sorted, p);
}
