import Router from '@koa/router';
import type { TokenVerifier } from '@baedal/platform';
import { notFound, requireRole, userOf, parseWith } from '@baedal/platform';
import type { LoseNextEvent } from '@baedal/platform/lose-next-event';
import type { MikroORM } from '@mikro-orm/mysql';
import { FaultsRequest, PaymentsQuery, type FaultsResponse } from '@baedal/platform/contracts/api';
import { ChargeRequest, type ChargeResult } from '@baedal/platform/contracts/internal';
import type { ChargeFaults, Charging } from '../domain/charging.ts';
import type { PaymentGateway } from '../gateway/gateway.ts';
import { chargedStatuses, Payment, paymentView } from '../entities/payment.ts';

export function paymentRoutes(deps: {
  orm: MikroORM;
  verifier: TokenVerifier;
  gateway: PaymentGateway;
  charging: Charging;
  chargeFaults: ChargeFaults;
  loseNextEvent: LoseNextEvent;
  faultInjection: boolean;
  captureTimeoutSeconds: number;
}): Router {
  const { orm, verifier, gateway } = deps;
  const router = new Router();

  /**
   * Charge once per order (domain/charging.ts): 201 charged now, 200 the
   * order's earlier charge, 409 another amount or a charge in progress.
   */
  router.post('/internal/payments', async (ctx) => {
    const body = parseWith(ChargeRequest, ctx.request.body, 'body');
    const { payment, created } = await deps.charging.charge(body);
    const result: ChargeResult = {
      ...paymentView(payment),
      captureBy: new Date(payment.createdAt.getTime() + deps.captureTimeoutSeconds * 1000).toISOString(),
    };
    ctx.status = created ? 201 : 200;
    ctx.body = result;
  });

  router.get('/api/payments', requireRole(verifier, 'customer', 'admin'), async (ctx) => {
    const user = userOf(ctx);
    const q = parseWith(PaymentsQuery, ctx.query, 'query');
    const where = {
      // Claims still charging or declined moved no money: they are not the customer's payments.
      status: { $in: [...chargedStatuses] },
      ...(q.orderId ? { orderId: q.orderId } : {}),
      ...(user.role === 'admin' ? {} : { customerId: user.id }),
    };
    const found = await orm.em.fork().find(Payment, where, { orderBy: { createdAt: 'desc' }, limit: 100 });
    ctx.body = found.map(paymentView);
  });

  router.put('/api/admin/faults/payment', requireRole(verifier, 'admin'), (ctx) => {
    if (!deps.faultInjection) throw notFound('Fault injection');
    const { loseNextEvent, pauseAfterChargeMs, ...faults } = parseWith(FaultsRequest, ctx.request.body, 'body');
    gateway.setFaults(faults);
    deps.chargeFaults.pauseAfterChargeMs = pauseAfterChargeMs ?? 0;
    if (loseNextEvent !== undefined) deps.loseNextEvent.arm(loseNextEvent);
    const body: FaultsResponse = { ...gateway.getFaults(), pauseAfterChargeMs: deps.chargeFaults.pauseAfterChargeMs };
    ctx.body = body;
  });

  return router;
}
