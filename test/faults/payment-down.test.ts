/**
 * Payment stopped (app and sidecar): placing an order answers 503 with
 * Retry-After at once, nothing is charged and no order is saved; once payment
 * is back, a retry with the same Idempotency-Key places the order and charges
 * it exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startApp, stopApp } from '../../tools/stack/processes.ts';
import { call } from '../integration/client.ts';
import { gatewayTallies } from '../integration/gateway-ledger.ts';
import { casts, SagaDriver } from './saga.ts';
import { admin, healStack, ms, report, secs, sql, sqlList, until } from './support.ts';
import { percentile } from '../kit/quantiles.ts';

const ATTEMPTS = 8;

describe('fault: payment stopped', () => {
  beforeAll(healStack, 120_000);
  afterAll(healStack, 120_000);

  it('answers 503 + Retry-After quickly, charges nobody, saves no order; a retry with the same key works once payment is back', async () => {
    const [cast] = await casts();
    const driver = new SagaDriver();
    const run = randomUUID().slice(0, 8);
    const keys = Array.from({ length: ATTEMPTS }, (_, i) => `payment-down-${run}-${i}`);
    const latencies: number[] = [];
    const answers: { status: number; retryAfter: string | null; type: string | null }[] = [];

    await stopApp('payment');
    try {
      for (const key of keys) {
        const t0 = performance.now();
        const r = await driver.placeOnce(cast, key);
        latencies.push(performance.now() - t0);
        answers.push({
          status: r?.status ?? 0,
          retryAfter: r?.headers.get('retry-after') ?? null,
          type: r?.headers.get('content-type') ?? null,
        });
      }
    } finally {
      await startApp('payment');
    }

    // Every attempt: 503 problem with a positive Retry-After.
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
      expect(a.type).toContain('application/problem+json');
    }
    expect(Math.max(...latencies)).toBeLessThan(3000);

    // The order ids the service reserved for these keys (audit read): no order, no charge.
    const reserved = await sql(
      `select idempotency_key, order_id from baedal_order.order_request where idempotency_key in ${sqlList(keys)}`,
    );
    const orderIds = reserved.map((r) => r[1]!);
    expect(orderIds).toHaveLength(ATTEMPTS);
    const token = await admin();
    for (const id of orderIds) {
      expect((await call('GET', `/api/orders/${id}`, { token: cast.customer })).status).toBe(404);
      expect((await call<unknown[]>('GET', `/api/payments?orderId=${id}`, { token })).body).toEqual([]);
    }

    // A client following Retry-After with the same key: 503 while the breaker is open, then 201.
    const retried = await until(
      'the same key placed after payment restarted',
      async () => {
        const r = await driver.placeOnce(cast, keys[0]!);
        return r?.status === 201 ? r.body : undefined;
      },
      60_000,
      500,
    );
    expect(retried.value.id).toBe(orderIds[0]);
    const again = await driver.placeOnce(cast, keys[0]!);
    expect(again?.status).toBe(201);
    expect(again?.body.id).toBe(retried.value.id);
    const charges = await call<{ amount: number; status: string }[]>(
      'GET',
      `/api/payments?orderId=${retried.value.id}`,
      { token },
    );
    expect(charges.body).toEqual([expect.objectContaining({ amount: retried.value.totalAmount, status: 'APPROVED' })]);
    // Counted at the gateway: one charge call for the retried key, none for the attempts never retried.
    const atGateway = await gatewayTallies(orderIds);
    expect(atGateway.get(orderIds[0]!)).toEqual(
      expect.objectContaining({ calls: { created: 1 }, net: retried.value.totalAmount }),
    );
    const stray = orderIds.slice(1).filter((id) => Object.keys(atGateway.get(id)!.calls).length > 0);
    expect(stray).toEqual([]);

    report('payment stopped', [
      `attempts while payment was down: ${ATTEMPTS}, all 503 + Retry-After ${answers[0]!.retryAfter} s`,
      `503 latency: p50 ${ms(percentile(latencies, 50))}, max ${ms(Math.max(...latencies))}` +
        ` (each: ${latencies.map((l) => Math.round(l)).join(', ')} ms)`,
      `orders saved: 0, payments for those attempts: 0`,
      `same key retried after payment was ready again: 201 after ${secs(retried.elapsedMs)}, one charge call at the gateway`,
    ]);
  }, 180_000);
});
