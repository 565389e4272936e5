/**
 * A small HTTP client for black-box tests against the running local stack,
 * through the entry point exactly as app clients use it (test/kit/api.ts bound
 * to the stack under test).
 */
import * as kit from '../kit/api.ts';

export type { Reply } from '../kit/api.ts';

export const BASE_URL = kit.defaultBaseUrl;

/** A call through the entry point of the stack under test. */
export function call<T = unknown>(method: string, path: string, opts: kit.CallOptions = {}): Promise<kit.Reply<T>> {
  return kit.call<T>(BASE_URL, method, path, opts);
}

/** The access token of a demo account. */
export async function login(username: string): Promise<string> {
  return (await kit.login(BASE_URL, username)).accessToken;
}

/** Polls until `probe` returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Reads one counter of a Prometheus text page, summed over series whose labels include `labels`. */
export async function scrapeCounter(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const lbl = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => lbl.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
