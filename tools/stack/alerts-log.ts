/**
 * `node tools/stack/alerts-log.ts [--every S] [--until-file F]`: while a test or
 * a load runs on an observed stack (`up --observe`), write one line to stdout
 * whenever an alert of its Prometheus changes state (pending, firing, resolved),
 * with the time and the alert's labels, and every minute the targets Prometheus
 * cannot scrape. It polls /api/v1/alerts every S seconds (default 5, the
 * stack's evaluation interval) until Ctrl-C, SIGTERM, or the file F exists.
 * At the end: each alert that fired, with its first and last time.
 * The stack is the one the environment names (BAEDAL_STACK_DIR, BAEDAL_PORT_OFFSET).
 */

import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { prometheusUrl } from './env-instance.ts';

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt?: string;
}

const { values } = parseArgs({
  options: { every: { type: 'string', default: '5' }, 'until-file': { type: 'string' } },
});
const everyMs = Number(values.every) * 1000;
if (!(everyMs > 0)) throw new Error(`--every ${values.every}: not a number of seconds`);

/** An alert's identity: its name and labels, severity aside. */
function keyOf(a: Alert): string {
  const { alertname, ...rest } = a.labels;
  const labels = Object.entries(rest)
    .filter(([k]) => k !== 'severity')
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${alertname}{${labels}}`;
}

async function getJson<T>(path: string): Promise<T | undefined> {
  try {
    const res = await fetch(`${prometheusUrl}${path}`, { signal: AbortSignal.timeout(4000) });
    if (!res.ok) return undefined;
    return ((await res.json()) as { data: T }).data;
  } catch {
    return undefined;
  }
}

const now = () => new Date().toISOString();
const state = new Map<string, Alert['state']>();
const fired = new Map<string, { first: string; last: string }>();
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => (stopping = true));

console.log(`${now()} polling ${prometheusUrl}/api/v1/alerts every ${values.every} s`);
let lastTargets = 0;
while (!stopping && !(values['until-file'] && fs.existsSync(values['until-file']))) {
  const data = await getJson<{ alerts: Alert[] }>('/api/v1/alerts');
  if (!data) {
    console.log(`${now()} prometheus: no answer`);
  } else {
    const seen = new Set<string>();
    for (const a of data.alerts) {
      const key = keyOf(a);
      seen.add(key);
      if (a.state === 'firing') {
        const f = fired.get(key);
        fired.set(key, { first: f?.first ?? now(), last: now() });
      }
      if (state.get(key) !== a.state) console.log(`${now()} ${a.state.padEnd(8)} ${key} (active since ${a.activeAt})`);
      state.set(key, a.state);
    }
    for (const key of [...state.keys()].filter((k) => !seen.has(k))) {
      console.log(`${now()} resolved ${key}`);
      state.delete(key);
    }
  }
  if (Date.now() - lastTargets >= 60_000) {
    lastTargets = Date.now();
    const down = await getJson<{ result: { metric: Record<string, string> }[] }>(
      `/api/v1/query?query=${encodeURIComponent('up == 0')}`,
    );
    const names = down?.result.map((r) => r.metric.process ?? r.metric.instance) ?? [];
    if (names.length > 0) console.log(`${now()} targets down: ${names.join(', ')}`);
  }
  await sleep(everyMs);
}

console.log(`${now()} alerts that fired (first, last seen firing):`);
for (const [key, { first, last }] of fired) console.log(`  ${key} ${first} .. ${last}`);
if (fired.size === 0) console.log('  none');
