/**
 * How the service processes and their sidecars run, beyond their configuration:
 * start-up and memory settings the bench measured (docs/performance.md, "Changes
 * and what each bought"). Written here once for the local stack (topology.ts,
 * daprd.ts); the image and the chart cannot import it, so they carry the same
 * values and `npm run test:k8s` (tools/k8s/check-rendered.ts) fails when
 * services/Dockerfile's ENV or the chart's `dapr.io/env` differs from these.
 */
import { existsSync } from 'node:fs';

/**
 * Environment of every Node service process (services/Dockerfile: ENV), besides
 * LD_PRELOAD, which names jemalloc where each system keeps it (jemallocLibrary).
 */
export const serviceRuntimeEnv = {
  // --expose-gc lets a service give back its start-up garbage at once, and what a load
  // left once it goes quiet (platform memory-release.ts), instead of after minutes of
  // idling or never. --max-semi-space-size: V8 grows its young generation with the
  // allocation rate, up to two 64 MB semi-spaces on a 64-bit host whatever the heap
  // limit; 4 MB each caps it at 8 MB. In a soak that kept peaks 17-51 MB lower than
  // 16 MB did, and no quick bench run showed a CPU cost (docs/performance.md, round 4,
  // item 21).
  NODE_OPTIONS: '--expose-gc --max-semi-space-size=4',
  // jemalloc (LD_PRELOAD, below) instead of glibc's malloc, tuned to give memory back: one
  // arena (Node allocates almost only on its main thread) and freed pages returned within a
  // second by jemalloc's own background thread, also once the process idles. glibc keeps
  // what is freed in the middle of its main arena (only the top is ever trimmed), where
  // Node's socket reads and HTTP parsing churn, and scrypt's 16 MB per login in per-thread
  // arenas. In quick bench runs every service held 5-8 MB less idle, and less after the
  // load (docs/performance.md, round 4, item 20).
  MALLOC_CONF: 'narenas:1,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0',
} as const;

/** Where the image installs Debian's libjemalloc2 (services/Dockerfile: a link, whatever the architecture). */
export const IMAGE_JEMALLOC = '/usr/local/lib/libjemalloc.so.2';

/** Debian's libjemalloc2 on this machine (tools/setup.sh installs it), preloaded into every service process. */
export function jemallocLibrary(): string {
  const multiarch = ({ x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' } as Record<string, string>)[process.arch];
  const library = `/usr/lib/${multiarch ?? process.arch}/libjemalloc.so.2`;
  if (!existsSync(library)) throw new Error(`${library} is missing: run tools/setup.sh (Debian's libjemalloc2)`);
  return library;
}

/** Environment of every Dapr sidecar (the chart: dapr.sidecar.goGC, dapr.sidecar.goMemLimit). */
export const sidecarRuntimeEnv = {
  // Go's collector: a sidecar's live heap is under 10 MB; collect at 50 % growth (not
  // 100 %) and under a soft limit, so a burst of load leaves less resident (npm run bench).
  GOGC: '50',
  GOMEMLIMIT: '40MiB',
} as const;
