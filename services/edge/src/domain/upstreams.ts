/** Readiness of the edge: every upstream answers GET /healthz, so `stack up` waits for the whole system. */
import type { UpstreamName } from '../config.ts';

const HEALTH_TIMEOUT_MS = 1000;

export async function upstreamHealth(
  upstreams: Readonly<Record<UpstreamName, string>>,
): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(upstreams).map(async ([name, base]) => {
      try {
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
        await res.body?.cancel();
        return [name, res.ok] as const;
      } catch {
        return [name, false] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
