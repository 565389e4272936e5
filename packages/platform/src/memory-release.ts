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
 * soak their young generation still held its 32 MB, resident, while the order
 * service, whose relay keeps working, had shrunk back to 1 MB
 * (docs/performance.md, item 21).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

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
/** A young generation above this has grown with a load (it starts at 1 MB). */
export const GROWN_NEW_SPACE_BYTES = 8 * 1024 * 1024;

/** Quiet: not one young-generation collection in a whole check interval, so nothing worth the space allocates. */
export function shouldRelease(interval: { scavenges: number; newSpaceBytes: number }): boolean {
  return interval.scavenges === 0 && interval.newSpaceBytes > GROWN_NEW_SPACE_BYTES;
}

const newSpaceSize = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

/**
 * Every IDLE_CHECK_MS, collects everything once when the interval was quiet
 * and the young generation had grown (shouldRelease). Probes and metric
 * scrapes allocate far less than a grown young generation holds, so they do
 * not keep a process from being quiet. Returns the function that stops it.
 */
export function releaseMemoryWhenIdle(
  deps: { gc?: Gc | undefined; checkMs?: number; newSpaceBytes?: () => number; onRelease?: () => void } = {},
): () => void {
  const { gc = exposedGc(), checkMs = IDLE_CHECK_MS, newSpaceBytes = newSpaceSize, onRelease } = deps;
  if (!gc) return () => undefined;
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    if (shouldRelease({ scavenges, newSpaceBytes: newSpaceBytes() })) {
      gc(COLLECT_ALL);
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
