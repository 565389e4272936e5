/**
 * Charged once where the money is: many overlapping charge calls for one order
 * (Dapr retries, client retries) reach the payment service through the order
 * service's sidecar, as its calls do; the gateway's own request log must
 * show one charge call, which created the one charge.
 */
import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { problemType } from '@baedal/platform';
import { CHARGE_PENDING_PROBLEM } from '@baedal/platform/contracts/internal';
import { appTokens } from '../../tools/stack/tokens.ts';
import { appByName } from '../../tools/stack/topology.ts';
import { chargeCallsThatCounted, gatewayTallies } from './gateway-ledger.ts';

const CALLS = 50;
// Through the order service's sidecar, with its Dapr API token: the one caller the access policy allows.
const INVOKE_URL = `http://127.0.0.1:${appByName('order')!.dapr!.httpPort}/v1.0/invoke/payment/method/internal/payments`;
const ORDER_DAPR_TOKEN = appTokens('order').daprApiToken;

async function chargeCall(body: unknown) {
  const res = await fetch(INVOKE_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'dapr-api-token': ORDER_DAPR_TOKEN },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { id?: string; type?: string } };
}

describe('charged once at the gateway (real stack)', () => {
  it(`when ${CALLS} identical charge calls for one order arrive at once, then exactly one charge call reaches the gateway`, async () => {
    const req = { orderId: randomUUID(), customerId: randomUUID(), amount: 12_345 };
    const answers = await Promise.all(Array.from({ length: CALLS }, () => chargeCall(req)));

    const count = (s: number) => answers.filter((a) => a.status === s).length;
    const pending = answers.filter((a) => a.status === 409 && a.body.type === problemType(CHARGE_PENDING_PROBLEM));
    console.log(`${CALLS} charge calls: ${count(201)}×201, ${count(200)}×200, ${pending.length}×409 charge pending`);
    const tally = (await gatewayTallies([req.orderId])).get(req.orderId)!;
    expect({ calls: chargeCallsThatCounted(tally), created: tally.created, outcomes: tally.calls }).toEqual({
      calls: 1,
      created: 1,
      outcomes: { created: 1 },
    });
    expect(tally.net).toBe(req.amount);

    // Every answer is the one charge, or a retryable "charge in progress".
    expect(count(201)).toBe(1);
    expect(count(201) + count(200) + pending.length).toBe(CALLS);
    expect(new Set(answers.filter((a) => a.status < 300).map((a) => a.body.id)).size).toBe(1);
  });
});
