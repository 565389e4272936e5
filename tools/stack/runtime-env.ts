/**
 * How the service processes and their sidecars run, beyond their configuration:
 * start-up and memory settings the bench measured (docs/performance.md, "Changes
 * and what each bought"). Written here once for the local stack (topology.ts,
 * daprd.ts); the image and the chart cannot import it, so they carry the same
 * values and `npm run test:k8s` (tools/k8s/check-rendered.ts) fails when
 * services/Dockerfile's ENV or the chart's `dapr.io/env` differs from these.
 */

/** Environment of every Node service process (services/Dockerfile: ENV). */
export const serviceRuntimeEnv = {
  // --expose-gc lets a service give back its start-up garbage at once (platform serve.ts)
  // instead of after minutes of idling. --max-semi-space-size: V8 grows its young
  // generation with the allocation rate, up to two 64 MB semi-spaces on a 64-bit host
  // whatever the heap limit, and keeps them long after the load: 16 MB each caps it at
  // 32 MB (docs/performance.md, round 4).
  NODE_OPTIONS: '--expose-gc --max-semi-space-size=16',
  // glibc raises its mmap threshold after the first large free, so later large blocks
  // (scrypt's 16 MB for each login hash, on libuv's threads) come from per-thread arenas
  // and stay resident once freed: the edge kept ~30 MB that way. A fixed threshold
  // keeps blocks of 128 KiB and up in their own mappings, returned when freed.
  MALLOC_MMAP_THRESHOLD_: '131072',
} as const;

/** Environment of every Dapr sidecar (the chart: dapr.sidecar.goGC, dapr.sidecar.goMemLimit). */
export const sidecarRuntimeEnv = {
  // Go's collector: a sidecar's live heap is under 10 MB; collect at 50 % growth (not
  // 100 %) and under a soft limit, so a burst of load leaves less resident (npm run bench).
  GOGC: '50',
  GOMEMLIMIT: '40MiB',
} as const;
