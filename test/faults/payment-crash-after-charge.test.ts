/**
 * A crash between the gateway's charge and the payment row's update: the
 * payment service is told to pause after the gateway answers (fault
 * injection, off by default), and is SIGKILLed during the pause. The gateway
 * has charged (its own ledger survives), the payment row is still PENDING.
 * After a restart the pending resolver asks the gateway by key and approves
 * the row, once; a client retry with the same key gets that charge (the order
 * is saved and its charge captured) or, if its capture deadline is too near,
 * is refused and the charge is voided. Never a second charge call.
 *
 * And without a crash: a client's retry that arrives while the first call is
 * still charging (paused) finds the charge PENDING, never calls the gateway,
 * and is told 503 + Retry-After (the order service's answer to payment's
 * "charge in progress"); once the first call is done a retry gets the order.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startApp } from '../../tools/stack/env-instance.ts';
import { call } from '../integration/client.ts';
import { chargeCallsThatCounted, chargesCreated, gatewayTallies } from '../integration/gateway-ledger.ts';
import { casts, SagaDriver } from './saga.ts';
import {
  admin,
  clearPaymentFaults,
  gone,
  healStack,
  killNine,
  logSince,
  ms,
  report,
  sleep,
  sql,
  sqlList,
  until,
} from './support.ts';

const PAUSE_MS = 30_000;

async function paymentRow(orderId: string) {
  return (
    await sql(`select status, captured_at is not null from baedal_payment.payment where order_id = '${orderId}'`)
  )[0];
}

describe('fault: crash between the gateway charge and the payment row update', () => {
  beforeAll(healStack, 120_000);
  afterAll(async () => {
    await clearPaymentFaults();
    await healStack();
  }, 120_000);

  it('after restart the PENDING payment is resolved from the gateway once: approved, then captured or voided; one charge call', async () => {
    const [cast] = await casts();
    const driver = new SagaDriver();
    const key = `crash-after-charge-${randomUUID()}`;
    const armed = await call('PUT', '/api/admin/faults/payment', {
      token: await admin(),
      body: { delayMs: 0, failureRate: 0, pauseAfterChargeMs: PAUSE_MS },
    });
    expect(armed.status).toBe(200);

    const first = driver.placeOnce(cast, key);
    // The order id the order service reserved for the key, charged at the gateway, its row still PENDING.
    const charged = await until(
      'the gateway charged and the payment row PENDING',
      async () => {
        const [r] = await sql(
          `select order_id from baedal_order.order_request where idempotency_key in ${sqlList([key])}`,
        );
        const orderId = r?.[0];
        if (!orderId) return undefined;
        const t = (await gatewayTallies([orderId])).get(orderId)!;
        return chargesCreated(t) === 1 && (await paymentRow(orderId))?.[0] === 'PENDING' ? orderId : undefined;
      },
      20_000,
      50,
    );
    const orderId = charged.value;
    killNine('payment');
    await gone('payment');
    const answer = (await first)?.status ?? 'no answer';
    const atCrash = { row: (await paymentRow(orderId))?.[0], gateway: (await gatewayTallies([orderId])).get(orderId)! };
    expect({ row: atCrash.row, charge: atCrash.gateway.status }).toEqual({ row: 'PENDING', charge: 'AUTHORIZED' });

    const restartAt = Date.now();
    await startApp('payment'); // a new process: its faults are off
    const resolved = await until(
      'the PENDING payment resolved',
      async () => {
        const row = await paymentRow(orderId);
        return row && row[0] !== 'PENDING' ? row[0] : undefined;
      },
      30_000,
      100,
    );
    expect(resolved.value).toBe('APPROVED');
    const resolvedMs = Date.now() - restartAt;

    // The client retries with its key: the order is saved on the resolved charge, or refused near its deadline.
    const retry = await until(
      'an answer to the retry other than "charge in progress"',
      async () => {
        const r = await driver.placeOnce(cast, key);
        return r && r.status !== 503 ? r : r?.status === 503 && Date.now() - restartAt > 20_000 ? r : undefined;
      },
      40_000,
      500,
    );
    const placed = retry.value.status === 201;
    if (placed) expect(retry.value.body.id).toBe(orderId);
    const end = await until(
      placed ? 'the charge captured' : 'the charge voided',
      async () => {
        const row = await paymentRow(orderId);
        const t = (await gatewayTallies([orderId])).get(orderId)!;
        const done = placed
          ? row?.[1] === '1' && t.status === 'CAPTURED'
          : row?.[0] === 'REFUNDED' && t.status === 'VOIDED';
        return done ? { row, t } : undefined;
      },
      60_000,
      500,
    );
    // Resolved once: the resolver's own line per resolution it made (not a row count a key bounds).
    const resolutions = logSince('payment', 'pending payment', restartAt).filter((l) => l.orderId === orderId);

    report('crash between the gateway charge and the row update', [
      `client's answer while payment paused and died: ${answer}`,
      `at the crash: payment row ${atCrash.row}, gateway charge ${atCrash.gateway.status}`,
      `payment restart → row ${resolved.value} after ${ms(resolvedMs)} (asked the gateway by key;` +
        ` resolutions logged: ${resolutions.length})`,
      `retry with the same key: ${retry.value.status}; then ${placed ? 'captured' : 'voided'} at the gateway` +
        ` (${end.value.t.status}, holding ${end.value.t.net}); gateway charge calls: ${JSON.stringify(end.value.t.calls)}`,
    ]);
    expect(resolutions.map((l) => l.msg)).toEqual(['pending payment resolved: the gateway had charged it']);
    expect(chargeCallsThatCounted(end.value.t)).toBe(1);
    expect(chargesCreated(end.value.t)).toBe(1);
    expect(end.value.t.net).toBe(placed ? retry.value.body.totalAmount : 0);
  }, 180_000);

  it('a retry while the first call is still charging: 503 + Retry-After, no second charge call; later the same key gets the order', async () => {
    const [cast] = await casts();
    const driver = new SagaDriver();
    const key = `charge-in-progress-${randomUUID()}`;
    const armed = await call('PUT', '/api/admin/faults/payment', {
      token: await admin(),
      body: { delayMs: 0, failureRate: 0, pauseAfterChargeMs: 4000 },
    });
    expect(armed.status).toBe(200);
    let first: Awaited<ReturnType<SagaDriver['placeOnce']>>;
    let second: Awaited<ReturnType<SagaDriver['placeOnce']>>;
    try {
      const pending = driver.placeOnce(cast, key);
      await sleep(300);
      second = await driver.placeOnce(cast, key);
      first = await pending;
    } finally {
      await clearPaymentFaults();
    }
    const placed = await until(
      'the same key placed once the first charge is recorded',
      async () => {
        const r = await driver.placeOnce(cast, key);
        return r?.status === 201 ? r.body : undefined;
      },
      30_000,
      500,
    );
    const t = (await gatewayTallies([placed.value.id])).get(placed.value.id)!;
    report('a retry while the first call is still charging', [
      `first call: ${first?.status}; retry 0.3 s later: ${second?.status} (Retry-After ${second?.headers.get('retry-after')} s,` +
        ` ${String((second?.body as { type?: string } | undefined)?.type)})`,
      `same key placed ${ms(placed.elapsedMs)} later; gateway charge calls: ${JSON.stringify(t.calls)}`,
    ]);
    expect(second?.status).toBe(503);
    expect(Number(second?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(t.calls).toEqual({ created: 1 });
  }, 120_000);
});
