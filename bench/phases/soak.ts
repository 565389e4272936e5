/**
 * The soak (`npm run bench -- --soak [--soak-minutes N]`): mixed load from many
 * customers for a long while, and whether any process keeps growing. Orders are
 * placed at SOAK_ORDER_RATE per second and the customers' order lists read at
 * SOAK_READ_RATE per second, both open loop with the tokens of the bench's 500
 * customers, for N minutes (default 30). The RSS of every service and sidecar
 * is sampled every SAMPLE_SECONDS; after the first sixth of the run (warm-up:
 * V8 and Go grow their heaps to the load), a least-squares line through each
 * process's samples gives its growth in MiB per hour (maxRssSlopeMiBh is the
 * largest). Then the load stops, and 2 minutes later every process's RSS is
 * compared with its idle figure from before the load (maxRecoveryRatio, the
 * largest ratio; target: within 20 %). Beside RSS, each sample reads what a
 * Node service's memory is made of (heap.ts), and the same line through each
 * part says which part grows (`growth`), in MiB per hour.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { orderBody } from '../customers.ts';
import { round, slopePerHour } from '../figures.ts';
import { entry, stack } from '../instance.ts';
import { paced } from '../load.ts';
import { log } from '../settings.ts';
import { heapParts } from './heap.ts';
import { memorySnapshot, type Mem } from './memory.ts';

const SOAK_ORDER_RATE = 5;
const SOAK_READ_RATE = 100;
const SAMPLE_SECONDS = 30;
const RECOVERY_SECONDS = 120;

type Parts = Record<string, number>;

/** Every process's memory (memory.ts) and every service's heap parts (heap.ts), by name, read together. */
export async function soakSnapshot(): Promise<{ mem: Record<string, Mem>; parts: Record<string, Parts> }> {
  const { services, sidecars } = memorySnapshot();
  const entries = await Promise.all(
    stack.topology.apps.map(async (app) => [app.name, await heapParts(app.appPort)] as const),
  );
  const parts = Object.fromEntries(entries.filter((e): e is readonly [string, Parts] => e[1] !== null));
  return { mem: { ...services, ...sidecars }, parts };
}
type SoakSnapshot = Awaited<ReturnType<typeof soakSnapshot>>;

/**
 * The parts of a process's memory the soak follows, in MB: RSS, anonymous and
 * file-backed, and for a Node service its heap spaces, external memory, and
 * `native`: anonymous memory neither of them accounts for (malloc, stacks).
 */
function partsOf(mem: Mem, parts: Parts | undefined): Parts {
  const own: Parts = { rss: mem.rssMb, anon: mem.anonMb, file: mem.fileMb };
  if (!parts) return own;
  return { ...own, ...parts, native: round(mem.anonMb - (parts.heap ?? 0) - (parts.external ?? 0)) };
}

export async function phaseSoak(tokens: string[], minutes: number, idle: SoakSnapshot) {
  const seconds = minutes * 60;
  log(
    `soak: ${minutes} min of orders at ${SOAK_ORDER_RATE}/s and order-list reads at ${SOAK_READ_RATE}/s ` +
      `from ${tokens.length} customers; RSS every ${SAMPLE_SECONDS}s`,
  );
  const orders = paced({
    url: `${entry}/api/orders`,
    method: 'POST',
    body: JSON.stringify(orderBody('soak')),
    tokens,
    connections: 8,
    seconds,
    rate: SOAK_ORDER_RATE,
  });
  const reads = paced({
    url: `${entry}/api/order-status?limit=5`,
    tokens,
    connections: 8,
    seconds,
    rate: SOAK_READ_RATE,
  });
  const started = performance.now();
  const samples: (SoakSnapshot & { atMs: number })[] = [];
  while (performance.now() - started < seconds * 1000) {
    const atMs = performance.now() - started;
    samples.push({ atMs, ...(await soakSnapshot()) });
    const last = samples.at(-1)?.mem ?? {};
    const top = Object.entries(last).sort((a, b) => b[1].rssMb - a[1].rssMb)[0];
    log(`soak: ${Math.round((performance.now() - started) / 1000)}s, largest RSS ${top?.[0]} ${top?.[1].rssMb} MB`);
    const left = seconds * 1000 - (performance.now() - started);
    if (left > 0) await sleep(Math.min(SAMPLE_SECONDS * 1000, left));
  }
  const [orderResult, readResult] = await Promise.all([orders.done, reads.done]);
  const end = await soakSnapshot();
  log(`soak: load stopped; ${RECOVERY_SECONDS}s idle, then memory again`);
  await sleep(RECOVERY_SECONDS * 1000);
  const recovered = await soakSnapshot();

  const warmupMs = (seconds * 1000) / 6;
  const idleMem = idle.mem;
  const processes = Object.keys(idleMem).map((name) => {
    const after = samples.filter((s) => s.atMs >= warmupMs && s.mem[name]);
    const idleRss = idleMem[name]?.rssMb ?? NaN;
    const series = after.map((s) => ({ atMs: s.atMs, parts: partsOf(s.mem[name] as Mem, s.parts[name]) }));
    const partNames = Object.keys(series.at(-1)?.parts ?? {});
    const growth = Object.fromEntries(
      partNames.map((part) => [
        part,
        round(slopePerHour(series.map((s) => ({ atMs: s.atMs, mb: s.parts[part] ?? 0 }))), 1),
      ]),
    );
    const at = (mem: Mem | undefined, parts: Parts | undefined) => (mem ? partsOf(mem, parts) : {});
    return {
      name,
      idleRssMb: idleRss,
      peakRssMb: Math.max(...samples.map((s) => s.mem[name]?.rssMb ?? 0)),
      endRssMb: end.mem[name]?.rssMb ?? NaN,
      recoveredRssMb: recovered.mem[name]?.rssMb ?? NaN,
      slopeMiBh: growth.rss ?? 0,
      recoveryRatio: round((recovered.mem[name]?.rssMb ?? NaN) / idleRss, 2),
      growth,
      parts: {
        idle: at(idleMem[name], idle.parts[name]),
        end: at(end.mem[name], end.parts[name]),
        recovered: at(recovered.mem[name], recovered.parts[name]),
      },
    };
  });
  return {
    minutes,
    orders: orderResult,
    reads: readResult,
    samples: samples.length,
    processes,
    maxRssSlopeMiBh: Math.max(...processes.map((p) => p.slopeMiBh)),
    maxRecoveryRatio: Math.max(...processes.map((p) => p.recoveryRatio)),
  };
}

export type SoakResult = Awaited<ReturnType<typeof phaseSoak>>;
