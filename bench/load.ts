/**
 * The load generators of the bench: closed loop as fast as it goes (autocannon)
 * or a number of requests, open loop at a fixed rate (paced), and what their
 * results add up to.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { percentiles, round } from './figures.ts';

export interface LoadResult {
  /** 2xx answers per second over the run. */
  rps: number;
  ok: number;
  /** Answers that were not 2xx, by status, and connection errors / timeouts. */
  failures: Record<string, number>;
  seconds: number;
  latency: ReturnType<typeof percentiles>;
}

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** Bearer tokens to rotate through, one per request. */
  tokens?: string[];
  connections: number;
  seconds: number;
  /** Requests per second over all connections (autocannon's overallRate); unset: as fast as possible. */
  rate?: number;
  /**
   * A number of requests instead of `seconds`: the run ends when the last answer
   * is in, with nothing in flight (a timed run drops the requests in flight).
   */
  amount?: number;
}

/** One autocannon run; returns its instance (to stop it early) and the result. */
export function load(spec: LoadSpec): { stop: () => void; done: Promise<LoadResult> } {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const tokens = spec.tokens ?? [];
  const request: autocannon.Request = {
    method: spec.method ?? 'GET',
    ...(spec.body === undefined ? {} : { body: spec.body }),
    headers: { ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }), ...spec.headers },
    ...(tokens.length
      ? {
          setupRequest: (req: autocannon.Request) => ({
            ...req,
            headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
          }),
        }
      : {}),
  };
  let instance: autocannon.Instance | undefined;
  const started = performance.now();
  let lastAnswer = started;
  const done = new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        // autocannon notices the end of a run by amount only at its next sample tick (a second by
        // default): tick every 100 ms so it ends soon after, and time the run from the answers.
        ...(spec.amount ? { amount: spec.amount, sampleInt: 100 } : { duration: spec.seconds }),
        timeout: 10,
        requests: [request],
        ...(spec.rate ? { overallRate: spec.rate } : {}),
      },
      (err, res) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const failures: Record<string, number> = {};
        let ok = 0;
        for (const [status, n] of statuses) {
          if (status >= 200 && status < 300) ok += n;
          else failures[`status ${status}`] = n;
        }
        if (res.timeouts) failures.timeouts = res.timeouts;
        if (res.errors > res.timeouts) failures.errors = res.errors - res.timeouts;
        const seconds = spec.amount ? round((lastAnswer - started) / 1000, 2) : res.duration;
        resolve({
          rps: round(ok / seconds),
          ok,
          failures,
          seconds,
          latency: percentiles(latencies),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastAnswer = performance.now();
      latencies.push(responseTime);
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    });
  });
  return { stop: () => instance?.stop(), done };
}

export const run = (spec: LoadSpec) => load(spec).done;

/**
 * An open-loop load at a fixed rate: request i is due at i / rate seconds, evenly
 * spaced (autocannon's overallRate releases each second's quota in a burst at
 * the start of the second instead). Latency counts from the due time, so a
 * request that waited for a free connection (the system fell behind) shows it.
 */
export function paced(spec: LoadSpec & { rate: number }): { stop: () => void; done: Promise<LoadResult> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const tokens = spec.tokens ?? [];
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let ok = 0;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const send = (due: number, n: number) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        spec.url,
        {
          method: spec.method ?? 'GET',
          agent,
          headers: {
            ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...spec.headers,
            ...(tokens.length ? { authorization: `Bearer ${tokens[n % tokens.length]}` } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            latencies.push(performance.now() - due);
            if (status >= 200 && status < 300) ok++;
            else failures[`status ${status}`] = (failures[`status ${status}`] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        const key = e.message === 'timeout' ? 'timeouts' : 'errors';
        failures[key] = (failures[key] ?? 0) + 1;
        resolve();
      });
      req.end(spec.body);
    });
  const done = (async (): Promise<LoadResult> => {
    const started = performance.now();
    const interval = 1000 / spec.rate;
    let n = 0;
    while (!stopped && performance.now() - started < spec.seconds * 1000) {
      const now = performance.now();
      for (; started + n * interval <= now; n++) {
        const p = send(started + n * interval, n);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await sleep(Math.max(0, started + n * interval - performance.now()));
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(inFlight);
    agent.destroy();
    return { rps: round(ok / seconds), ok, failures, seconds: round(seconds, 2), latency: percentiles(latencies) };
  })();
  return {
    stop: () => {
      stopped = true;
    },
    done,
  };
}

/** How many requests of a result failed. */
export const failed = (r: LoadResult) => Object.values(r.failures).reduce((a, b) => a + b, 0);

/** Failed requests of a result, by cause, for the log and the table. */
export const fails = (r: LoadResult) => {
  const n = failed(r);
  return n === 0
    ? '0'
    : `${n} (${Object.entries(r.failures)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})`;
};

/** Two load results of the same spec as one (a floor measured in halves around its route). */
export function combine(a: LoadResult, b: LoadResult): LoadResult & { halves: [number, number] } {
  const failures: Record<string, number> = { ...a.failures };
  for (const [k, v] of Object.entries(b.failures)) failures[k] = (failures[k] ?? 0) + v;
  const seconds = a.seconds + b.seconds;
  return {
    rps: round((a.ok + b.ok) / seconds),
    ok: a.ok + b.ok,
    failures,
    seconds,
    // Latencies of a floor are not reported; keep the first half's.
    latency: a.latency,
    halves: [a.rps, b.rps],
  };
}
