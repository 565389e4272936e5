/**
 * Prometheus' own UI on an observed stack, in Chromium (the browser tests'
 * helpers), while sagas run: the graph of every service's request rate shows
 * each service, and the alerts page lists every alert of
 * deploy/prometheus/rules.yml. Beside the sagas runs the seed's siege (20
 * connections reading one order's status view, loadtests/siege.js through the
 * local runner) as another customer: the per-user limit answers most of it
 * 429, which the graph counts like any answer. The graph is saved as a screenshot
 * (SCREENSHOTS_DIR, default <stack dir>/screenshots;
 * `SCREENSHOTS_DIR=docs/screenshots npm run test:observe` refreshes
 * docs/observability.md's); zipkin-ui.test.ts does the same for a trace.
 *
 * Needs a stack brought up with --observe (tools/test-observe.sh).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { parse } from 'yaml';
import { prometheusUrl, recordedObserve } from '../../tools/stack/env-instance.ts';
import { prometheusRulesFile } from '../../tools/stack/observe.ts';
import { launch, screenshot } from '../browser/browser.ts';
import { runSiege, siegeSetup } from '../../loadtests/local/scenarios.ts';
import { BASE_URL, login } from '../integration/client.ts';
import { fullSaga } from '../integration/flows.ts';

/** Requests per second of each app (the edge included), as the graph draws it. */
const RATE_BY_SERVICE = 'sum by (service) (rate(http_server_duration_seconds_count[15s]))';
const SERVICES = ['customer', 'delivery', 'edge', 'order', 'payment', 'store'];
/** How long the sagas run: the graph spans a few of Prometheus' 5 s scrapes of them. */
const LOAD_MS = 30_000;
const SAGAS_AT_ONCE = 3;
/** The seed's `siege -c20`, by a customer of its own (the sagas' alice keeps her own rate limit). */
const SIEGE_CONNECTIONS = 20;
const SIEGE_CUSTOMER = 'bob';

const alerts = (
  parse(fs.readFileSync(prometheusRulesFile, 'utf8')) as { groups: { rules: { alert?: string }[] }[] }
).groups
  .flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])))
  .sort();

async function servicesWithTraffic(): Promise<string[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(RATE_BY_SERVICE)}`);
  const body = (await res.json()) as { data: { result: { metric: { service?: string }; value: [number, string] }[] } };
  return body.data.result
    .filter((r) => Number(r.value[1]) > 0)
    .map((r) => r.metric.service ?? '')
    .sort();
}

describe('Prometheus under load, in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('while sagas and the siege run, then the graph shows every service and the alerts page every alert of rules.yml', async () => {
    expect({ observed: recordedObserve() }).toEqual({ observed: true });
    const t = { customer: await login('alice'), owner: await login('owner1'), rider: await login('rider1') };
    const target = await siegeSetup(BASE_URL, SIEGE_CUSTOMER);
    const until = Date.now() + LOAD_MS;
    let sagas = 0;
    // The sagas are this test's load, not its subject (the integration tests hold
    // each step's answer): a saga that stops on an answer is printed and the load
    // goes on, so the graph and the alerts page are still checked.
    const stopped: string[] = [];
    const [siege] = await Promise.all([
      runSiege({ base: BASE_URL, connections: SIEGE_CONNECTIONS, durationSeconds: LOAD_MS / 1000, ...target }),
      ...Array.from({ length: SAGAS_AT_ONCE }, async () => {
        while (Date.now() < until) {
          try {
            await fullSaga(t);
            sagas++;
          } catch (e) {
            stopped.push((e as Error).message);
          }
        }
      }),
    ]);
    console.log(
      `siege: ${siege.requests} requests in ${siege.durationSeconds} s (${JSON.stringify(siege.failures)} of them refused or failed); ` +
        `sagas: ${sagas} completed, ${stopped.length} stopped${stopped.length ? `:\n${stopped.join('\n')}` : ''}`,
    );
    // The last scrape of the load (every 5 s) and a rule evaluation after it.
    let seen: string[] = [];
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      seen = await servicesWithTraffic();
      if (SERVICES.every((s) => seen.includes(s))) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect({ sagas: sagas > 0, siege: siege.requests > 0, services: seen }).toEqual({
      sagas: true,
      siege: true,
      services: SERVICES,
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const graph = new URLSearchParams({ 'g0.expr': RATE_BY_SERVICE, 'g0.tab': '0', 'g0.range_input': '1m' });
    await page.goto(`${prometheusUrl}/graph?${graph.toString()}`);
    await page.locator('.graph_area svg, .graph svg, canvas').first().waitFor({ timeout: 20_000 });
    const legend = await page.locator('body').innerText();
    for (const s of SERVICES)
      expect({ service: s, inLegend: legend.includes(`service="${s}"`) }).toEqual({ service: s, inLegend: true });
    console.log(
      `graph of ${RATE_BY_SERVICE} after ${sagas} sagas and ${siege.requests} siege requests: ${await screenshot(page, 'prometheus-graph')}`,
    );

    // Through the navigation bar: Debian's build serves the classic UI (/classic/alerts), others /alerts.
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await page
      .getByText(alerts[0] ?? '')
      .first()
      .waitFor();
    const text = await page.locator('body').innerText();
    expect(alerts.filter((a) => !text.includes(a))).toEqual([]);
    console.log(`alerts page: ${alerts.length} alerts of rules.yml listed`);
    await page.close();
  });
});
