/**
 * k6's command line in front of the local runner, for an image that stands in
 * for grafana/k6 (tools/cluster builds it from loadtests/local/Dockerfile: k6
 * is AGPL-licensed and is neither used nor built here):
 *
 *   node loadtests/local/k6.ts run [--summary-trend-stats=...] [-e NAME=VALUE]... SCRIPT.js
 *
 * the arguments the chart's load-test Job (charts/baedal/templates/loadtest.yaml)
 * passes. It loads SCRIPT's options as k6 would (k6-options.ts: __ENV is the
 * environment plus -e), runs its scenarios with scenarios.ts, one after the
 * other from their startTime on, each with SCRIPT's own thresholds, prints k6's
 * summary lines and exits 99 when a threshold is crossed, as k6 does (2 on a
 * usage error, 1 when the run itself fails). It knows the two scripts of
 * loadtests/: siege.js (constant-vus `siege` and ramping-vus `ramp` on the
 * order-status view, after one setup) and order-saga.js (the ramping arrival
 * rate of whole sagas). BASE_URL, CUSTOMER_USER, OWNER_USER, RIDER_USER and
 * PASSWORD are read as the scripts read them. --summary-trend-stats is accepted
 * for k6's sake: the summary shows avg, min, med, p(90), p(95), p(99) and max.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { quantiles } from '../../test/kit/quantiles.ts';
import { k6Options, scenarioThresholds, type K6Options } from './k6-options.ts';
import { printSummary, runOrderSaga, runRamp, runSiege, siegeSetup, type Summary } from './scenarios.ts';
import { durationSeconds } from './stages.ts';

const usage = 'usage: k6.ts run [--summary-trend-stats=STATS] [-e NAME=VALUE]... SCRIPT.js';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'summary-trend-stats': { type: 'string' },
    env: { type: 'string', short: 'e', multiple: true, default: [] },
  },
});
const [command, script] = positionals;
if (command !== 'run' || !script || positionals.length !== 2) {
  console.error(usage);
  process.exit(2);
}
const env: Record<string, string> = {};
for (const pair of values.env) {
  const eq = pair.indexOf('=');
  if (eq < 1) {
    console.error(`-e ${pair}: NAME=VALUE expected\n${usage}`);
    process.exit(2);
  }
  env[pair.slice(0, eq)] = pair.slice(eq + 1);
}
Object.assign(process.env, env);

const options = await k6Options(script, env);
const scenarios = Object.entries(options.scenarios ?? {}).sort(
  ([, a], [, b]) => durationSeconds(a.startTime ?? '0s') - durationSeconds(b.startTime ?? '0s'),
);
const base = (process.env.BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The script's thresholds of `scenario`, held against a run (the runner's own list replaced). */
function withScriptThresholds(s: Summary, opts: K6Options, scenario: string): Summary {
  const q = quantiles(s.latenciesMs);
  const thresholds = scenarioThresholds(opts, scenario, {
    failedRate: s.failed / Math.max(1, s.requests),
    latency: q,
    avgMs: s.latenciesMs.reduce((a, b) => a + b, 0) / Math.max(1, s.latenciesMs.length),
  });
  return { ...s, thresholds };
}

let ok = true;
const t0 = performance.now();
if (basename(script) === 'siege.js') {
  console.error(
    `[k6.ts] ${script}: ${scenarios.map(([n]) => n).join(', ')} against ${base}; setup: log in, place an order`,
  );
  const { token, orderId } = await siegeSetup(base);
  for (const [name, s] of scenarios) {
    const wait = durationSeconds(s.startTime ?? '0s') * 1000 - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
    let summary: Summary;
    if (s.executor === 'constant-vus' && s.vus && s.duration) {
      summary = await runSiege({
        base,
        connections: s.vus,
        durationSeconds: durationSeconds(s.duration),
        token,
        orderId,
      });
    } else if (s.executor === 'ramping-vus' && s.stages?.length) {
      const shape = {
        startVUs: s.startVUs ?? 0,
        stages: s.stages,
        gracefulRampDown: s.gracefulRampDown ?? '30s',
        options,
      };
      summary = await runRamp({ base, shape, token, orderId });
    } else {
      console.error(`[k6.ts] scenario ${name}: executor ${s.executor} is not one the local runner runs`);
      process.exit(2);
    }
    ok = printSummary(withScriptThresholds({ ...summary, scenario: name }, options, name)) && ok;
  }
} else if (basename(script) === 'order-saga.js') {
  // runOrderSaga ramps 30 s up to the rate, holds it, and ramps 15 s down: the
  // script's shape must be that one (its rate and hold are the script's).
  const sagas = options.scenarios?.sagas;
  const [up, hold, down] = sagas?.stages ?? [];
  if (
    sagas?.executor !== 'ramping-arrival-rate' ||
    sagas.stages?.length !== 3 ||
    !up ||
    !hold ||
    !down ||
    durationSeconds(up.duration) !== 30 ||
    hold.target !== up.target ||
    down.target !== 0 ||
    durationSeconds(down.duration) !== 15
  ) {
    console.error(
      `[k6.ts] ${script}: scenario sagas is not the shape the local runner runs (30 s up, hold, 15 s down)`,
    );
    process.exit(2);
  }
  console.error(`[k6.ts] ${script}: sagas up to ${up.target}/s, held ${hold.duration}, against ${base}`);
  ok = printSummary(await runOrderSaga({ base, rate: up.target, holdSeconds: durationSeconds(hold.duration) }));
} else {
  console.error(`[k6.ts] ${script}: the local runner runs siege.js and order-saga.js only`);
  process.exit(2);
}
process.exit(ok ? 0 : 99);
