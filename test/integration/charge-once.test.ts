/**
 * Charged once where the money is: many overlapping charge calls for one order
 * (as Dapr retries and client retries make them) reach the payment service;
 * the gateway must show one charge call, which created the
 * one charge. The calls go to the payment app's port, not through its
 * sidecar: 50 calls at once on a loaded machine can outlast the sidecar's 2 s
 * per-attempt timeout and trip the payment circuit breaker that the other
 * tests share. Dapr's own retries are exercised by test/faults/payment-slow.test.ts.
 * They carry the app API token the payment sidecar shows its app (the app
 * refuses /internal without it). The charge is held 400 ms between the gateway's answer and its record (fault
 * injection), so the other calls surely meet it in progress: on a fast path
 * they might otherwise all come after it and prove nothing.
 */
import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { problemType } from '@baedal/platform';
import { CHARGE_PENDING_PROBLEM } from '@baedal/platform/contracts/internal';
import { appByName, appTokens } from '../../tools/stack/env-instance.ts';
import { call, login } from './client.ts';
import { chargeCallsThatCounted, gatewayTallies } from './gateway-ledger.ts';

const CALLS = 50;
const HOLD_MS = 400;
const CHARGE_URL = `http://127.0.0.1:${appByName('payment')!.appPort}/internal/payments`;
const PAYMENT_APP_TOKEN = appTokens('payment').appApiToken;

async function chargeCall(body: unknown) {
  const res = await fetch(CHARGE_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'dapr-api-token': PAYMENT_APP_TOKEN },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { id?: string; type?: string } };
}

describe('charged once at the gateway (real stack)', () => {
  it(`when ${CALLS} identical charge calls for one order arrive at once, then exactly one charge call reaches the gateway`, async () => {
    const req = { orderId: randomUUID(), customerId: randomUUID(), amount: 12_345 };
    const faults = (pauseAfterChargeMs: number) =>
      call('PUT', '/api/admin/faults/payment', { token, body: { delayMs: 0, failureRate: 0, pauseAfterChargeMs } });
    const token = await login('admin');
    expect((await faults(HOLD_MS)).status).toBe(200);
    let answers: Awaited<ReturnType<typeof chargeCall>>[];
    try {
      answers = await Promise.all(Array.from({ length: CALLS }, () => chargeCall(req)));
    } finally {
      await faults(0);
    }

    const count = (s: number) => answers.filter((a) => a.status === s).length;
    const pending = answers.filter((a) => a.status === 409 && a.body.type === problemType(CHARGE_PENDING_PROBLEM));
    console.log(`${CALLS} charge calls: ${count(201)}×201, ${count(200)}×200, ${pending.length}×409 charge pending`);
    const tally = (await gatewayTallies([req.orderId])).get(req.orderId)!;
    expect({ calls: chargeCallsThatCounted(tally), outcomes: tally.calls }).toEqual({
      calls: 1,
      outcomes: { created: 1 },
    });
    expect(tally.net).toBe(req.amount);

    // Every answer is the one charge, or a retryable "charge in progress".
    expect(count(201)).toBe(1);
    expect(count(201) + count(200) + pending.length).toBe(CALLS);
    expect(new Set(answers.filter((a) => a.status < 300).map((a) => a.body.id)).size).toBe(1);
  });
});
