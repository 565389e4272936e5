/**
 * The `options` a k6 script exports, read by loading the script itself in Node:
 * the local runner takes a scenario's shape from the script k6 would run, not
 * from a copy. The script's k6 modules are stand-ins that throw when called
 * (only its init code runs: options are plain values), and __ENV is the
 * process's environment, as k6 passes `-e` and the environment to a script.
 */
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Stage } from './stages.ts';

export interface K6Scenario {
  executor: string;
  startVUs?: number;
  stages?: Stage[];
  vus?: number;
  duration?: string;
  gracefulRampDown?: string;
  gracefulStop?: string;
  startTime?: string;
}
export interface K6Options {
  scenarios?: Record<string, K6Scenario>;
  thresholds?: Record<string, string[]>;
}

const k6Modules = new Set(['k6', 'k6/http', 'k6/metrics', 'k6/data', 'k6/execution', 'k6/encoding', 'k6/crypto']);
// Every name the scripts import from k6 modules; calling one (outside init code) is a mistake.
const stub = `const only = (name) => () => { throw new Error(name + ' runs in k6 only'); };
export const check = only('check'), fail = (msg) => { throw new Error(msg); }, sleep = only('sleep'), group = only('group');
export class Counter {} export class Trend {} export class Rate {} export class Gauge {} export class SharedArray {}
export default new Proxy({}, { get: (_, name) => only(String(name)) });`;
let hooked = false;

/** The options of the k6 script at `path`, as k6 would see them (with `env` in __ENV). */
export async function k6Options(path: string, env: Record<string, string | undefined> = {}): Promise<K6Options> {
  if (!hooked) {
    registerHooks({
      resolve: (specifier, context, next) =>
        k6Modules.has(specifier)
          ? { url: `data:text/javascript,${encodeURIComponent(stub)}`, shortCircuit: true }
          : next(specifier, context),
    });
    hooked = true;
  }
  const g = globalThis as { __ENV?: Record<string, string | undefined> };
  const before = g.__ENV;
  g.__ENV = { ...process.env, ...env };
  try {
    // A query per environment: the module system keeps one instance per URL.
    const url = `${pathToFileURL(path).href}?env=${encodeURIComponent(JSON.stringify(env))}`;
    return ((await import(url)) as { options: K6Options }).options;
  } finally {
    g.__ENV = before;
  }
}

/** A ramping-vus scenario of a k6 script: its start VUs, stages and graceful ramp-down. */
export async function rampingScenario(path: string, name: string) {
  const s = (await k6Options(path, { SCENARIO: name })).scenarios?.[name];
  if (s?.executor !== 'ramping-vus' || !s.stages?.length)
    throw new Error(`${path} has no ramping-vus scenario ${name} with stages`);
  return { startVUs: s.startVUs ?? 1, stages: s.stages, gracefulRampDown: s.gracefulRampDown ?? '30s' };
}

/**
 * A scenario's thresholds on http_req_failed (`rate<x`) and http_req_duration
 * (`p(n)<ms`, `avg<ms`, `med<ms`, `max<ms`), held against a run's failure rate
 * and latencies (`latency(p)` = the p-th percentile in ms); a threshold on
 * another metric, or of another form, is an error (the runner would silently skip it).
 */
export function scenarioThresholds(
  options: K6Options,
  scenario: string,
  run: { failedRate: number; latency: (percentile: number) => number; avgMs: number },
): { metric: string; expr: string; ok: boolean }[] {
  const out: { metric: string; expr: string; ok: boolean }[] = [];
  for (const [key, exprs] of Object.entries(options.thresholds ?? {})) {
    const m = /^(\w+)\{scenario:([\w-]+)\}$/.exec(key);
    if (!m || m[2] !== scenario) continue;
    const metric = m[1] ?? '';
    if (metric === 'checks') continue; // the runner's requests are its checks: a non-2xx is a failure
    for (const expr of exprs) {
      const e = /^(rate|avg|med|max|p\((\d+(?:\.\d+)?)\))\s*<\s*(\d+(?:\.\d+)?)$/.exec(expr);
      if (!e) throw new Error(`threshold ${key} '${expr}': not one the local runner evaluates`);
      const [, stat = '', pct, limit] = e;
      let value: number;
      if (metric === 'http_req_failed' && stat === 'rate') value = run.failedRate;
      else if (metric === 'http_req_duration' && stat !== 'rate')
        value = stat === 'avg' ? run.avgMs : run.latency(stat === 'med' ? 50 : stat === 'max' ? 100 : Number(pct));
      else throw new Error(`threshold ${key} '${expr}': not one the local runner evaluates`);
      out.push({ metric, expr, ok: value < Number(limit) });
    }
  }
  return out;
}
