/**
 * When a service gives memory back to the machine: after start-up, and once it
 * has gone quiet after a load. Both need --expose-gc (the services'
 * NODE_OPTIONS: tools/stack/runtime-env.ts and the image); without it V8 is
 * left to itself.
 *
 * Why not leave it to V8: its young generation grows with the allocation rate
 * (up to twice --max-semi-space-size) and shrinks only in a garbage collection
 * that finds the process idle. A process that does nothing once its requests
 * stop (the edge, the customer service) may never run one: 2 minutes after a
 * soak their young generation still held all it had grown to, resident, while
 * the order service, whose relay keeps working, had shrunk back to 1 MB
 * (docs/performance.md, item 21).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';

type Gc = (options: object) => void;
/** A full, compacting collection that also shrinks the young generation, as V8's memory reducer runs it. */
const COLLECT_ALL = { type: 'major', execution: 'sync', flavor: 'last-resort' } as const;
const exposedGc = (): Gc | undefined => {
  const gc = (globalThis as { gc?: Gc }).gc;
  return typeof gc === 'function' ? gc : undefined;
};

/**
 * Start-up (module compilation, ORM discovery, migrations) leaves garbage and a
 * grown young generation behind, about 30 MB: collect it now, once, the way the
 * memory reducer would after a couple of idle minutes.
 */
export function releaseStartupMemory(gc = exposedGc()): void {
  gc?.(COLLECT_ALL);
}

/** How often the process looks whether it has gone quiet. */
export const IDLE_CHECK_MS = 30_000;
/**
 * Young-generation collections in one check interval that make it a load (the
 * young generation filled three times in 30 s), so that a stray probe or
 * scrape does not count as one and cost a full collection afterwards.
 */
export const LOAD_SCAVENGES = 3;

/** Quiet after a load: not one young-generation collection in the interval, and a load since the last release. */
export function shouldRelease(interval: { scavenges: number; loadSinceRelease: boolean }): boolean {
  return interval.scavenges === 0 && interval.loadSinceRelease;
}

/**
 * Every IDLE_CHECK_MS, collects everything once when the process has gone
 * quiet after a load (shouldRelease): the young generation shrinks to its
 * start size, the old one is compacted, and the pages V8 keeps for reuse go
 * back to the system (its own memory reducer, when it runs, shrinks the young
 * generation but left payment's resident: docs/performance.md, item 21).
 * Returns the function that stops it.
 */
export function releaseMemoryWhenIdle(
  deps: { gc?: Gc | undefined; checkMs?: number; onRelease?: () => void } = {},
): () => void {
  const { gc = exposedGc(), checkMs = IDLE_CHECK_MS, onRelease } = deps;
  if (!gc) return () => undefined;
  let scavenges = 0;
  let loadSinceRelease = false;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    if (scavenges >= LOAD_SCAVENGES) loadSinceRelease = true;
    if (shouldRelease({ scavenges, loadSinceRelease })) {
      gc(COLLECT_ALL);
      loadSinceRelease = false;
      onRelease?.();
    }
    scavenges = 0;
  }, checkMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}
