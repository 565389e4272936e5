/**
 * Zipkin's own UI on an observed stack, in Chromium (the browser tests'
 * helpers): the trace of an order walked to COMPLETED, opened by its id (the
 * order id without its dashes), shows the spans of all five services, as many
 * as Zipkin's API holds. The page's service count also holds what the
 * sidecars call that records no spans (the state store, named by its address
 * 127.0.0.1), as the spans' remote endpoints. The page is saved as a screenshot (SCREENSHOTS_DIR,
 * default <stack dir>/screenshots; `SCREENSHOTS_DIR=docs/screenshots npm run
 * test:observe` refreshes docs/observability.md's).
 *
 * Needs a stack brought up with --observe (tools/test-observe.sh).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { orderTraceId } from '@baedal/platform/trace';
import type { Browser } from 'playwright-core';
import { recordedObserve } from '../../tools/stack/env-instance.ts';
import { fetchTrace, spansByService, traceUiUrl, type ZipkinSpan } from '../../tools/stack/trace-view.ts';
import { launch, screenshot } from '../browser/browser.ts';
import { login } from '../integration/client.ts';
import { fullSaga, orderReaches } from '../integration/flows.ts';

const SERVICES = ['customer', 'delivery', 'order', 'payment', 'store'];

/**
 * The order's trace once every service is in it and the span count has held for
 * a few seconds (the sidecars export in batches), so the page and the API count the same spans.
 */
async function settledTrace(traceId: string): Promise<ZipkinSpan[]> {
  let spans: ZipkinSpan[] = [];
  let stableSince = Date.now();
  for (const deadline = Date.now() + 45_000; Date.now() < deadline;) {
    const now = (await fetchTrace(traceId)) ?? [];
    if (now.length !== spans.length) stableSince = Date.now();
    spans = now;
    const complete = SERVICES.every((s) => spansByService(spans).has(s));
    if (complete && Date.now() - stableSince >= 6_000) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return spans;
}

/** The summary figure Zipkin's trace page shows under a label ("Services", "Total Spans"). */
function figure(pageText: string, label: string): number | undefined {
  const m = new RegExp(`${label}\\s*:?\\s*(\\d+)`, 'i').exec(pageText);
  return m ? Number(m[1]) : undefined;
}

describe("one order's trace in Zipkin's UI, in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('when an order is walked to COMPLETED, then its trace page shows all five services and every span', async () => {
    expect({ observed: recordedObserve() }).toEqual({ observed: true });
    const t = { customer: await login('alice'), owner: await login('owner1'), rider: await login('rider1') };
    const order = await fullSaga(t);
    await orderReaches(t.customer, order.id, 'COMPLETED');
    const traceId = orderTraceId(order.id) ?? '';
    const spans = await settledTrace(traceId);
    expect([...spansByService(spans).keys()].sort()).toEqual(SERVICES);

    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(traceUiUrl(traceId));
    // The summary, then the span rows ("<service>: <span name>"): the page has drawn the trace.
    await page
      .getByText(/Total Spans/i)
      .first()
      .waitFor({ timeout: 20_000 });
    await page
      .getByText(/^customer: pubsub\/orders$/)
      .first()
      .waitFor({ timeout: 20_000 });
    const text = await page.locator('body').innerText();
    const shown = { services: figure(text, 'Services'), spans: figure(text, 'Total Spans') };
    const named = new Set(
      spans.flatMap((s) => [s.localEndpoint?.serviceName, s.remoteEndpoint?.serviceName]).filter(Boolean),
    );
    // Spans per service, from the API, printed beside what the page says.
    const perService = [...spansByService(spans)]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, names]) => `${s} ${[...names.values()].reduce((a, b) => a + b, 0)}`)
      .join(', ');
    const file = await screenshot(page, 'zipkin-trace');
    console.log(
      `order ${order.id}: ${traceUiUrl(traceId)} shows ${shown.services} services, ${shown.spans} spans ` +
        `(API: ${named.size} services, ${spans.length} spans; ${perService}): ${file}`,
    );
    expect(shown).toEqual({ services: named.size, spans: spans.length });
    // Every service has a row on the first screen of the timeline.
    const rows = SERVICES.filter((s) => !new RegExp(`^${s}: `, 'm').test(text));
    expect({ servicesWithoutRows: rows }).toEqual({ servicesWithoutRows: [] });
    await page.close();
  });
});
