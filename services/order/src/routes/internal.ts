/**
 * Called by other services through their sidecars only (Dapr service
 * invocation); the edge and the Ingress never route /internal.
 */
import Router from '@koa/router';
import { notFound, parseIdParam, parseWith } from '@baedal/platform';
import { OrderTransitionRequest, type OrderEventLog, type OrderExistence } from '@baedal/platform/contracts/internal';
import type { OrderCommands } from '../domain/order-commands.ts';

export function internalRoutes(deps: { commands: OrderCommands }): Router {
  const router = new Router({ prefix: '/internal' });

  /** A store owner's decision, forwarded by the store service. */
  router.post('/orders/:orderId/transitions', async (ctx) => {
    const orderId = parseIdParam(ctx.params.orderId, 'The order');
    const req = parseWith(OrderTransitionRequest, ctx.request.body, 'body');
    const order = await deps.commands.changeStatus(
      orderId,
      req.to,
      { storeId: req.storeId },
      req.reason !== undefined ? { reason: req.reason } : {},
    );
    ctx.body = { orderId: order.id, status: order.status, updatedAt: order.updatedAt.toISOString() };
  });

  /** Does the order exist? Asked by the payment service before it voids an uncaptured charge. */
  router.get('/orders/:orderId', async (ctx) => {
    const orderId = parseIdParam(ctx.params.orderId, 'The order');
    const order = await deps.commands.find(orderId);
    if (!order) throw notFound('The order');
    const body: OrderExistence = { orderId: order.id, status: order.status };
    ctx.body = body;
  });

  /** The order's events, for a consumer that wants to check it missed none (the customer view). */
  router.get('/orders/:orderId/events', async (ctx) => {
    const orderId = parseIdParam(ctx.params.orderId, 'The order');
    const events = await deps.commands.eventLog(orderId);
    if (events.length === 0) throw notFound('The order');
    const body: OrderEventLog = { orderId, events };
    ctx.body = body;
  });

  return router;
}
