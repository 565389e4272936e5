/**
 * Called by other services through their sidecars only (Dapr service
 * invocation); the edge and the Ingress never route /internal.
 */
import Router from '@koa/router';
import { parseIdParam, parseWith } from '@baedal/platform';
import { OrderTransitionRequest } from '@baedal/platform/contracts/internal';
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

  return router;
}
