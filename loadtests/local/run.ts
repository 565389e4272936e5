/**
 * `npm run loadtest -- [siege|ramp|order-saga] [options]`: the k6 scenarios of
 * loadtests/*.js against the local stack (k6 is not available here), with the
 * same setup, load shape and thresholds, printing the summary k6 would
 * (requests per second, p50/p95/p99 latency, failures) and exiting 99 when a
 * threshold is crossed, as k6 does.
 *
 *   siege       --connections 20 --duration 40     autocannon; the seed's `siege -c20 -t40S`
 *   ramp                                           the same reads by ramping VUs, siege.js's `ramp`
 *                                                  scenario (its stages and thresholds, read from the script)
 *   order-saga  --rate 5 --hold 60                 whole sagas at a ramping arrival rate
 *   --url http://127.0.0.1:8080                    (or BAEDAL_URL)
 *   --view-url http://127.0.0.1:3105               siege: read the view from one service directly
 *                                                  (setup still goes through --url)
 *
 * The services' per-user rate limit (100 requests/s) answers most siege
 * requests with 429 unless the stack runs with RATE_LIMIT_ENABLED=false; the
 * summary names the statuses of failed requests.
 */
import { parseArgs } from 'node:util';
import { defaultBase, printSummary, rampShape, runOrderSaga, runRamp, runSiege, siegeSetup } from './scenarios.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: defaultBase },
    'view-url': { type: 'string' },
    connections: { type: 'string', default: '20' },
    duration: { type: 'string', default: '40' },
    rate: { type: 'string', default: '5' },
    hold: { type: 'string', default: '60' },
  },
});
const scenario = positionals[0] ?? 'siege';
const base = values.url.replace(/\/+$/, '');

let ok: boolean;
if (scenario === 'siege') {
  console.error(`[loadtest] siege setup against ${base}: log in, place an order, wait for the view`);
  const { token, orderId } = await siegeSetup(base);
  const view = (values['view-url'] ?? base).replace(/\/+$/, '');
  console.error(
    `[loadtest] ${values.connections} connections for ${values.duration}s on ${view}/api/order-status/${orderId}`,
  );
  ok = printSummary(
    await runSiege({
      base: view,
      connections: Number(values.connections),
      durationSeconds: Number(values.duration),
      token,
      orderId,
    }),
  );
} else if (scenario === 'ramp') {
  const shape = await rampShape();
  console.error(`[loadtest] ramp setup against ${base}: log in, place an order, wait for the view`);
  const { token, orderId } = await siegeSetup(base);
  const view = (values['view-url'] ?? base).replace(/\/+$/, '');
  const stages = shape.stages.map((s) => `${s.target} VUs over ${s.duration}`).join(', ');
  console.error(`[loadtest] ramp from ${shape.startVUs} VUs: ${stages}, on ${view}/api/order-status/${orderId}`);
  ok = printSummary(await runRamp({ base: view, shape, token, orderId }));
} else if (scenario === 'order-saga') {
  console.error(`[loadtest] order sagas against ${base}, up to ${values.rate}/s`);
  ok = printSummary(await runOrderSaga({ base, rate: Number(values.rate), holdSeconds: Number(values.hold) }));
} else {
  console.error(
    'usage: npm run loadtest -- [siege|ramp|order-saga] [--url URL] [--connections N --duration S] [--rate R --hold S]',
  );
  process.exit(2);
}
process.exit(ok ? 0 : 99);
