/**
 * GET /api/notifications: the caller's notifications, newest first. They are
 * stored with the view of their order, so this reads the views of the
 * customer's newest orders (at most 100) and merges their notifications.
 */
import Router from '@koa/router';
import { parseWith, requireRole, userOf, type TokenVerifier } from '@baedal/platform';
import { EmptyQuery, type NotificationResponse } from '@baedal/platform/contracts/api';
import { newestFirst } from '../domain/view.ts';
import type { ViewStore } from '../state/view-store.ts';
import { newestViews } from './order-status.ts';

export const NOTIFICATION_ORDERS_LIMIT = 100;

export function notificationRoutes(deps: { store: ViewStore; verifier: TokenVerifier }): Router {
  const { store, verifier } = deps;
  const router = new Router({ prefix: '/api/notifications' });
  router.use(requireRole(verifier, 'customer'));

  router.get('/', async (ctx) => {
    parseWith(EmptyQuery, ctx.query, 'query');
    const views = await newestViews(store, userOf(ctx).id, NOTIFICATION_ORDERS_LIMIT);
    const body: NotificationResponse[] = views
      .flatMap((v) => v.notifications)
      .sort(newestFirst)
      .map((n) => ({ id: n.id, orderId: n.orderId, status: n.status, message: n.message, sentAt: n.sentAt }));
    ctx.body = body;
  });

  return router;
}
