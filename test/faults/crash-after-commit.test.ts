/**
 * A crash between commit and publish: the order service is told to exit right
 * after it commits the next order (order row and OrderPlaced in its outbox),
 * before the relay publishes. After a restart the relay publishes the pending
 * event: the order exists, reaches the store's inbox, and its charge is
 * captured (not voided as an abandoned authorization).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startApp } from '../../tools/stack/env-instance.ts';
import { call } from '../integration/client.ts';
import { gatewayTallies } from '../integration/gateway-ledger.ts';
import { casts, SagaDriver } from './saga.ts';
import { admin, gone, healStack, ms, report, sql, sqlList, until } from './support.ts';

describe('fault: crash between commit and publish', () => {
  beforeAll(healStack, 120_000);
  afterAll(healStack, 120_000);

  it('the order exists after restart and its OrderPlaced reaches the store (the relay publishes after restart)', async () => {
    const [cast] = await casts();
    const driver = new SagaDriver();
    const key = `crash-after-commit-${randomUUID()}`;
    const token = await admin();

    const armed = await call('PUT', '/api/admin/faults/order', { token, body: { crashAfterCommit: true } });
    expect(armed.status).toBe(200);
    let crashed: Awaited<ReturnType<SagaDriver['placeOnce']>>;
    let row: string[] | undefined;
    let restartAt = Date.now();
    try {
      crashed = await driver.placeOnce(cast, key);
      await gone('order');
      // Read while the order service is down: the order row and its still unpublished event.
      [row] = await sql(
        `select r.order_id, coalesce(o.state, 'none'), (select count(*) from baedal_order.orders where id = r.order_id)
           from baedal_order.order_request r
           left join baedal_order.outbox o on o.partition_key = r.order_id and o.type = 'OrderPlaced'
          where r.idempotency_key in ${sqlList([key])}`,
      );
    } finally {
      restartAt = Date.now();
      await startApp('order');
    }
    const readyAt = Date.now();
    const answer = crashed?.status ?? 'no answer';
    expect(answer).not.toBe(201);
    const [orderId = '', outboxStateAtCrash, orderRows] = row ?? [];
    expect({ outboxStateAtCrash, orderRows }).toEqual({ outboxStateAtCrash: 'pending', orderRows: '1' });

    await until(
      'the order in the store inbox',
      async () => {
        const r = await call<{ orderId: string }[]>('GET', '/api/store/orders?status=PAID', { token: cast.owner });
        return r.body.find((o) => o.orderId === orderId);
      },
      30_000,
      50,
    );
    const sinceReady = Date.now() - readyAt;

    const order = await driver.order(cast, orderId);
    expect(order.status).toBe('PAID');
    const [[outboxState]] = (await sql(
      `select state from baedal_order.outbox where partition_key = '${orderId}' and type = 'OrderPlaced'`,
    )) as [[string]];
    expect(outboxState).toBe('published');
    // The charge was captured by the late OrderPlaced, and the client's retry with its key gets the same order.
    const captured = await until(
      'the charge captured',
      async () => {
        const rows = await sql(`select status, captured_at is not null from baedal_payment.payment
                                 where order_id = '${orderId}'`);
        return rows[0]?.[1] === '1' ? rows : undefined;
      },
      30_000,
    );
    expect(captured.value).toEqual([['APPROVED', '1']]);
    const replay = await driver.placeOnce(cast, key);
    expect(replay?.status).toBe(201);
    expect(replay?.body.id).toBe(orderId);
    // Charged once, counted at the gateway: one charge call, captured, the order's total held.
    const atGateway = (await gatewayTallies([orderId])).get(orderId)!;
    expect(atGateway).toEqual({ calls: { created: 1 }, net: order.totalAmount, status: 'CAPTURED' });

    report('crash between commit and publish', [
      `client's answer while the order process died: ${answer}`,
      `outbox row of OrderPlaced at the crash: ${outboxStateAtCrash} (order row committed)`,
      `order service restart to ready: ${ms(readyAt - restartAt)}; OrderPlaced in the store inbox` +
        ` ${ms(sinceReady)} after ready (${ms(readyAt - restartAt + sinceReady)} after the restart began)`,
      `outbox row now ${outboxState}; charge captured (not voided); replay of the key → the same order, one charge call at the gateway`,
    ]);
  }, 180_000);
});
