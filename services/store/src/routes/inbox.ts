import Router from '@koa/router';
import type { Context } from 'koa';
import type { DaprSidecar, Logger, TokenVerifier } from '@baedal/platform';
import {
  forbidden,
  notFound,
  parseIdParam,
  parseWith,
  requireRole,
  SidecarUnavailableError,
  unavailable,
  userOf,
  type InvokeResult,
} from '@baedal/platform';
import { EmptyBody, InboxQuery, RejectRequest } from '@baedal/platform/contracts/api';
import type { OrderTransitionRequest } from '@baedal/platform/contracts/internal';
import { joinOrderTrace } from '@baedal/platform/trace';
import type { MikroORM } from '@mikro-orm/mysql';
import { ownerActions, RETRY_AFTER_SECONDS, transitionOutcome, type OwnerAction } from '../domain/transition.ts';
import { advanceStatus, InboxOrder, inboxOrderView } from '../entities/inbox-order.ts';

const INBOX_LIMIT = 100;

/** The owner's store, from the token; an owner without one may do nothing here. */
function ownStoreId(ctx: Context): string {
  const user = userOf(ctx);
  if (!user.storeId) throw forbidden('This owner account has no store.');
  return user.storeId;
}

/** The store inbox (api.md "Store inbox"): role owner, own store only. */
export function inboxRoutes(deps: {
  orm: MikroORM;
  verifier: TokenVerifier;
  dapr: DaprSidecar;
  logger: Logger;
}): Router {
  const { orm, verifier, dapr, logger } = deps;
  const router = new Router();
  const owner = requireRole(verifier, 'owner');

  router.get('/api/store/orders', owner, async (ctx) => {
    const storeId = ownStoreId(ctx);
    const q = parseWith(InboxQuery, ctx.query, 'query');
    const rows = await orm.em
      .fork()
      .find(
        InboxOrder,
        { storeId, placed: true, ...(q.status ? { status: q.status } : {}) },
        { orderBy: { createdAt: 'desc', orderId: 'desc' }, limit: INBOX_LIMIT },
      );
    ctx.body = rows.map(inboxOrderView);
  });

  for (const [action, to] of Object.entries(ownerActions) as [OwnerAction, OrderTransitionRequest['to']][]) {
    router.post(`/api/store/orders/:orderId/${action}`, owner, async (ctx) => {
      const storeId = ownStoreId(ctx);
      const orderId = parseIdParam(ctx.params.orderId, 'The order');
      const request: OrderTransitionRequest = { to, storeId };
      if (action === 'reject') request.reason = parseWith(RejectRequest, ctx.request.body, 'body').reason;
      else parseWith(EmptyBody, ctx.request.body, 'body');

      const em = orm.em.fork();
      // A row whose OrderPlaced has not arrived yet is not in the inbox: 404 like an unknown order.
      const row = await em.findOne(InboxOrder, { orderId, storeId, placed: true });
      if (!row) throw notFound('The order');
      // The owner's step is a step of the order's trace (trace.ts).
      joinOrderTrace(orderId);

      let result: InvokeResult;
      try {
        result = await dapr.invoke('order', `internal/orders/${orderId}/transitions`, { body: request });
      } catch (e) {
        if (!(e instanceof SidecarUnavailableError)) throw e;
        logger.warn({ err: e, orderId }, 'order service unreachable through the sidecar');
        throw unavailable('The order service is unavailable; try again.', RETRY_AFTER_SECONDS);
      }
      if (result.status >= 300 && result.status !== 404 && result.status !== 409) {
        logger.warn({ orderId, to, status: result.status, body: result.body }, 'order transition failed upstream');
      }
      const status = transitionOutcome(result, to);
      await advanceStatus(em, orderId, status, new Date());
      const fresh = await orm.em.fork().findOneOrFail(InboxOrder, { orderId });
      ctx.body = inboxOrderView(fresh);
    });
  }

  return router;
}
