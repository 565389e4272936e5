/**
 * Races decided by the database, never by timing: many riders picking one
 * delivery, and a customer's cancel against the owner's start-cooking.
 */
import { describe, expect, it } from '@jest/globals';
import { call, eventually, login } from './client.ts';
import { cookedOrder, inInbox, ownerAction, paymentsOf, placeOrder, readyDelivery } from './flows.ts';

const TRIALS = 20;

describe('races (real stack)', () => {
  it(`when 50 riders pick the same delivery at once, then exactly one wins (${TRIALS} trials)`, async () => {
    const [alice, owner, rider1, rider2] = await Promise.all([
      login('alice'),
      login('owner1'),
      login('rider1'),
      login('rider2'),
    ]);
    const outcomes: { ok: number; conflict: number; other: number }[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const order = await cookedOrder({ customer: alice, owner, rider: rider1 });
      const delivery = await readyDelivery(rider1, order.id);
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call('POST', `/api/deliveries/${delivery.id}/pick`, { token: i % 2 ? rider1 : rider2 }),
        ),
      );
      const count = (s: number) => answers.filter((a) => a.status === s).length;
      outcomes.push({ ok: count(200), conflict: count(409), other: 50 - count(200) - count(409) });
    }
    console.log(
      `pick races: ${JSON.stringify(outcomes.reduce((a, o) => ({ ok: a.ok + o.ok, conflict: a.conflict + o.conflict, other: a.other + o.other })))} over ${TRIALS} trials`,
    );
    expect(outcomes).toEqual(Array.from({ length: TRIALS }, () => ({ ok: 1, conflict: 49, other: 0 })));
  });

  it(`when a cancel races the start of cooking, then exactly one wins and the money matches (${TRIALS} trials)`, async () => {
    const [alice, owner] = await Promise.all([login('alice'), login('owner1')]);
    const wins = { cancel: 0, cook: 0 };
    for (let trial = 0; trial < TRIALS; trial++) {
      const order = await placeOrder(alice);
      await inInbox(owner, order.id);
      expect((await ownerAction(owner, order.id, 'accept')).status).toBe(200);
      const [cancel, cook] = await Promise.all([
        call('POST', `/api/orders/${order.id}/cancel`, { token: alice }),
        ownerAction(owner, order.id, 'start-cooking'),
      ]);
      expect([cancel.status, cook.status].sort()).toEqual([200, 409]);
      if (cancel.status === 200) {
        wins.cancel++;
        await eventually(async () =>
          (await paymentsOf(alice, order.id))[0]?.status === 'REFUNDED' ? true : undefined,
        );
      } else {
        wins.cook++;
        // The order is cooking: the view reaches COOKING and the payment stays approved.
        await eventually(async () => {
          const v = await call<{ status: string }>('GET', `/api/order-status/${order.id}`, { token: alice });
          return v.body.status === 'COOKING' ? true : undefined;
        });
        expect(await paymentsOf(alice, order.id)).toEqual([expect.objectContaining({ status: 'APPROVED' })]);
      }
    }
    console.log(`cancel vs start-cooking: ${JSON.stringify(wins)} over ${TRIALS} trials`);
    expect(wins.cancel + wins.cook).toBe(TRIALS);
  });
});
