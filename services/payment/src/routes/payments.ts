import Router from '@koa/router';
import type { TokenVerifier } from '@baedal/platform';
import { conflict, notFound, requireRole, unavailable, userOf, parseWith } from '@baedal/platform';
import { isDuplicateKey } from '@baedal/platform/db';
import type { LoseNextEvent } from '@baedal/platform/lose-next-event';
import type { MikroORM } from '@mikro-orm/mysql';
import { randomUUID } from 'node:crypto';
import { FaultsRequest, PaymentsQuery, type FaultsResponse } from '@baedal/platform/contracts/api';
import { ChargeRequest, type ChargeResult } from '@baedal/platform/contracts/internal';
import { GatewayDeclinedError, type SimulatedGateway } from '../domain/gateway.ts';
import { Payment, paymentView } from '../entities/payment.ts';

export function paymentRoutes(deps: {
  orm: MikroORM;
  verifier: TokenVerifier;
  gateway: SimulatedGateway;
  loseNextEvent: LoseNextEvent;
  faultInjection: boolean;
  captureTimeoutSeconds: number;
}): Router {
  const { orm, verifier, gateway } = deps;
  const chargeResult = (pay: Payment): ChargeResult => ({
    ...paymentView(pay),
    captureBy: new Date(pay.createdAt.getTime() + deps.captureTimeoutSeconds * 1000).toISOString(),
  });
  const router = new Router();

  /**
   * Charge once per order. A retried call (Dapr retry, client retry) with the
   * same order id returns the existing payment instead of charging again.
   */
  router.post('/internal/payments', async (ctx) => {
    const body = parseWith(ChargeRequest, ctx.request.body, 'body');
    const em = orm.em.fork();
    const existing = await em.findOne(Payment, { orderId: body.orderId });
    if (existing) {
      if (existing.amount !== body.amount || existing.customerId !== body.customerId) {
        throw conflict('This order was already charged with a different amount.');
      }
      if (existing.status !== 'APPROVED') throw conflict('This charge was voided or refunded; start a new order.');
      ctx.status = 200;
      ctx.body = chargeResult(existing);
      return;
    }
    try {
      await gateway.charge(body.amount);
    } catch (e) {
      if (e instanceof GatewayDeclinedError) throw unavailable('The payment gateway did not answer; try again.', 5);
      throw e;
    }
    const now = new Date();
    const payment: Payment = {
      id: randomUUID(),
      orderId: body.orderId,
      customerId: body.customerId,
      amount: body.amount,
      status: 'APPROVED',
      capturedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      // One INSERT in autocommit: a flush would wrap it in BEGIN ... COMMIT, two more round trips.
      await em.insert(Payment, payment);
    } catch (e) {
      // A concurrent retry of the same charge won the insert: answer with its payment.
      if (!isDuplicateKey(e)) throw e;
      const winner = await orm.em.fork().findOneOrFail(Payment, { orderId: body.orderId });
      ctx.status = 200;
      ctx.body = chargeResult(winner);
      return;
    }
    ctx.status = 201;
    ctx.body = chargeResult(payment);
  });

  router.get('/api/payments', requireRole(verifier, 'customer', 'admin'), async (ctx) => {
    const user = userOf(ctx);
    const q = parseWith(PaymentsQuery, ctx.query, 'query');
    const where = {
      ...(q.orderId ? { orderId: q.orderId } : {}),
      ...(user.role === 'admin' ? {} : { customerId: user.id }),
    };
    const found = await orm.em.fork().find(Payment, where, { orderBy: { createdAt: 'desc' }, limit: 100 });
    ctx.body = found.map(paymentView);
  });

  router.put('/api/admin/faults/payment', requireRole(verifier, 'admin'), (ctx) => {
    if (!deps.faultInjection) throw notFound('Fault injection');
    const { loseNextEvent, ...faults } = parseWith(FaultsRequest, ctx.request.body, 'body');
    gateway.setFaults(faults);
    if (loseNextEvent !== undefined) deps.loseNextEvent.arm(loseNextEvent);
    const body: FaultsResponse = gateway.getFaults();
    ctx.body = body;
  });

  return router;
}
