import Router from '@koa/router';
import { badRequest, parseIdParam, parseWith, requireRole, userOf, type TokenVerifier } from '@baedal/platform';
import {
  EmptyBody,
  IdempotencyKey,
  ListOrdersQuery,
  PlaceOrderRequest,
  type OrderPageResponse,
} from '@baedal/platform/contracts/api';
import type { OrderCommands } from '../domain/order-commands.ts';
import { orderView } from '../entities/order.ts';

/** Opaque cursor for newest-first pages: the last item's createdAt and id. */
function encodeCursor(c: { createdAt: Date; id: string }): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');
}

function decodeCursor(s: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(s, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw badRequest('The cursor is not valid.', [{ path: 'cursor', message: 'Use nextCursor from a previous page.' }]);
  }
  return { createdAt, id };
}

export function orderRoutes(deps: { commands: OrderCommands; verifier: TokenVerifier }): Router {
  const { commands, verifier } = deps;
  const router = new Router({ prefix: '/api/orders' });
  router.use(requireRole(verifier, 'customer'));

  router.post('/', async (ctx) => {
    const user = userOf(ctx);
    const body = parseWith(PlaceOrderRequest, ctx.request.body, 'body');
    // Absent is no key; present but empty (or blank, which Node trims to empty) is a bad key, as documented.
    const rawKey = ctx.headers['idempotency-key'];
    const key = rawKey === undefined ? undefined : parseWith(IdempotencyKey, rawKey, 'Idempotency-Key header');
    const { order } = await commands.place(user.id, body, key);
    ctx.status = 201;
    ctx.set('Location', `/api/orders/${order.id}`);
    ctx.body = orderView(order);
  });

  router.get('/', async (ctx) => {
    const user = userOf(ctx);
    const q = parseWith(ListOrdersQuery, ctx.query, 'query');
    const page = await commands.list(user.id, q.limit, q.cursor ? decodeCursor(q.cursor) : undefined);
    const body: OrderPageResponse = {
      items: page.items.map(orderView),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    };
    ctx.body = body;
  });

  router.get('/:orderId', async (ctx) => {
    const orderId = parseIdParam(ctx.params.orderId, 'The order');
    ctx.body = orderView(await commands.get(userOf(ctx).id, orderId));
  });

  router.post('/:orderId/cancel', async (ctx) => {
    const orderId = parseIdParam(ctx.params.orderId, 'The order');
    parseWith(EmptyBody, ctx.request.body, 'body');
    ctx.body = orderView(await commands.changeStatus(orderId, 'CANCELLED', { customerId: userOf(ctx).id }));
  });

  router.post('/:orderId/confirm', async (ctx) => {
    const orderId = parseIdParam(ctx.params.orderId, 'The order');
    parseWith(EmptyBody, ctx.request.body, 'body');
    ctx.body = orderView(await commands.changeStatus(orderId, 'COMPLETED', { customerId: userOf(ctx).id }));
  });

  return router;
}
