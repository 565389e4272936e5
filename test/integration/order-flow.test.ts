/**
 * The seed's scenario end to end on the real stack: order and pay, the owner
 * accepts and cooks, a nearby rider picks up and delivers, the customer
 * follows the view and confirms; and the compensations (cancel, reject).
 */
import { describe, expect, it } from '@jest/globals';
import { call, eventually, login } from './client.ts';
import { gatewayTallies } from './gateway-ledger.ts';
import { fullSaga, gangnam, inInbox, mapo, orderReaches, ownerAction, paymentsOf, placeOrder } from './flows.ts';

describe('order flow (real stack)', () => {
  it('when everyone does their part, then the order completes and the view saw every status in order', async () => {
    const [alice, owner, rider] = await Promise.all([login('alice'), login('owner1'), login('rider1')]);
    const order = await placeOrder(alice);
    await inInbox(owner, order.id);

    for (const action of ['accept', 'start-cooking', 'finish-cooking']) {
      const r = await ownerAction(owner, order.id, action);
      expect({ action, status: r.status }).toEqual({ action, status: 200 });
    }

    const delivery = await eventually(async () => {
      const r = await call<{ id: string; orderId: string; distanceKm: number }[]>(
        'GET',
        `/api/deliveries?lat=${gangnam.location.lat}&lng=${gangnam.location.lng}&radiusKm=5`,
        { token: rider },
      );
      return r.body.find((d) => d.orderId === order.id);
    });
    expect(delivery.distanceKm).toBeLessThan(5);
    expect((await call('POST', `/api/deliveries/${delivery.id}/pick`, { token: rider })).status).toBe(200);
    await orderReaches(alice, order.id, 'PICKED_UP');
    expect((await call('POST', `/api/deliveries/${delivery.id}/deliver`, { token: rider })).status).toBe(200);
    await orderReaches(alice, order.id, 'DELIVERED');

    const confirmed = await call<{ status: string }>('POST', `/api/orders/${order.id}/confirm`, { token: alice });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('COMPLETED');

    const view = await eventually(async () => {
      const r = await call<{ status: string; history: { status: string }[] }>('GET', `/api/order-status/${order.id}`, {
        token: alice,
      });
      return r.body.status === 'COMPLETED' ? r.body : undefined;
    });
    expect(view.history.map((h) => h.status)).toEqual([
      'PAID',
      'ACCEPTED',
      'COOKING',
      'COOKED',
      'PICKED_UP',
      'DELIVERED',
      'COMPLETED',
    ]);
    const notes = await eventually(async () => {
      const r = await call<{ orderId: string; status: string }[]>('GET', '/api/notifications', { token: alice });
      const mine = r.body.filter((n) => n.orderId === order.id);
      return mine.length === 7 ? mine : undefined;
    });
    expect(new Set(notes.map((n) => n.status)).size).toBe(7);
    expect(await paymentsOf(alice, order.id)).toEqual([expect.objectContaining({ status: 'APPROVED' })]);
    // At the gateway: captured once OrderPlaced arrived, the order's total taken.
    const atGateway = await eventually(async () => {
      const t = (await gatewayTallies([order.id])).get(order.id)!;
      return t.status === 'CAPTURED' ? t : undefined;
    });
    expect({ calls: atGateway.calls, net: atGateway.net }).toEqual({ calls: { created: 1 }, net: order.totalAmount });
  });

  it('when two customers order from two stores at once, then both sagas complete independently', async () => {
    const [alice, bob, owner1, owner2, rider1, rider2] = await Promise.all(
      ['alice', 'bob', 'owner1', 'owner2', 'rider1', 'rider2'].map(login),
    );
    const [a, b] = await Promise.all([
      fullSaga({ customer: alice!, owner: owner1!, rider: rider1! }, gangnam),
      fullSaga({ customer: bob!, owner: owner2!, rider: rider2! }, mapo),
    ]);
    expect((await orderReaches(alice!, a.id, 'COMPLETED')).customerId).not.toBe(
      (await orderReaches(bob!, b.id, 'COMPLETED')).customerId,
    );
  });

  it('when the customer cancels before cooking, then the order is cancelled and the payment refunded', async () => {
    const [alice, owner] = await Promise.all([login('alice'), login('owner1')]);
    const order = await placeOrder(alice);
    await inInbox(owner, order.id);
    expect((await ownerAction(owner, order.id, 'accept')).status).toBe(200);
    const cancelled = await call<{ status: string }>('POST', `/api/orders/${order.id}/cancel`, { token: alice });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    await eventually(async () => ((await paymentsOf(alice, order.id))[0]?.status === 'REFUNDED' ? true : undefined));
    // The money went back at the gateway too (in the same step as the row: refunds.ts).
    const atGateway = (await gatewayTallies([order.id])).get(order.id)!;
    expect(atGateway.net).toBe(0);
    expect(['VOIDED', 'REFUNDED']).toContain(atGateway.status);
    // The kitchen can no longer start it.
    expect((await ownerAction(owner, order.id, 'start-cooking')).status).toBe(409);
  });

  it('when cooking has started, then a cancel is refused with 409 and nothing is refunded', async () => {
    const [alice, owner] = await Promise.all([login('alice'), login('owner1')]);
    const order = await placeOrder(alice);
    await inInbox(owner, order.id);
    expect((await ownerAction(owner, order.id, 'accept')).status).toBe(200);
    expect((await ownerAction(owner, order.id, 'start-cooking')).status).toBe(200);
    const r = await call('POST', `/api/orders/${order.id}/cancel`, { token: alice });
    expect(r.status).toBe(409);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(await paymentsOf(alice, order.id)).toEqual([expect.objectContaining({ status: 'APPROVED' })]);
  });

  it('when the owner rejects, then the payment is refunded', async () => {
    const [bob, owner] = await Promise.all([login('bob'), login('owner1')]);
    const order = await placeOrder(bob);
    await inInbox(owner, order.id);
    const r = await ownerAction(owner, order.id, 'reject', { reason: 'out of chicken' });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('REJECTED');
    await eventually(async () => ((await paymentsOf(bob, order.id))[0]?.status === 'REFUNDED' ? true : undefined));
  });

  it('when the same Idempotency-Key is retried, then the same order comes back and the customer is charged once', async () => {
    const alice = await login('alice');
    const key = `test-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const first = await placeOrder(alice, gangnam, { 'Idempotency-Key': key });
    const again = await placeOrder(alice, gangnam, { 'Idempotency-Key': key });
    expect(again.id).toBe(first.id);
    // Counted at the gateway: one charge call, which created the charge that holds the order's total.
    const tally = (await gatewayTallies([first.id])).get(first.id)!;
    expect({ calls: tally.calls, net: tally.net }).toEqual({ calls: { created: 1 }, net: first.totalAmount });
  });

  it('when someone else asks for an order, then it does not exist for them', async () => {
    const [alice, bob] = await Promise.all([login('alice'), login('bob')]);
    const order = await placeOrder(alice);
    expect((await call('GET', `/api/orders/${order.id}`, { token: bob })).status).toBe(404);
    expect((await call('POST', `/api/orders/${order.id}/cancel`, { token: bob })).status).toBe(404);
    expect(await paymentsOf(bob, order.id)).toEqual([]);
  });
});
