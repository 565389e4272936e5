/**
 * What a Node service's memory is made of, as its own /metrics says (prom-client's
 * default metrics, which every service exposes): V8's heap by space (committed
 * size) and `external`, the memory outside the heap that V8 accounts for
 * (Buffers, ArrayBuffers). The soak reads it beside RSS, so that a process that
 * keeps growing shows which part grows: a heap space, buffers, or native memory
 * V8 does not see (RssAnon minus both).
 */
import { round } from '../figures.ts';

const SPACE = /^nodejs_heap_space_size_total_bytes\{space="([a-z_]+)"[^}]*\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/;
const EXTERNAL = /^nodejs_external_memory_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)$/;
const TIMEOUT_MS = 2000;

/** MB by part: `heap:<space>` for each V8 space, `external`, and `heap` (their sum); null if /metrics did not answer. */
export async function heapParts(port: number): Promise<Record<string, number> | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) return null;
    return parseHeapParts(await res.text());
  } catch {
    return null;
  }
}

export function parseHeapParts(text: string): Record<string, number> {
  const parts: Record<string, number> = {};
  let heap = 0;
  for (const line of text.split('\n')) {
    const space = SPACE.exec(line);
    if (space?.[1] && space[2]) {
      const bytes = Number(space[2]);
      parts[`heap:${space[1]}`] = round(bytes / 1048576);
      heap += bytes;
      continue;
    }
    const external = EXTERNAL.exec(line);
    if (external?.[1]) parts.external = round(Number(external[1]) / 1048576);
  }
  parts.heap = round(heap / 1048576);
  return parts;
}
