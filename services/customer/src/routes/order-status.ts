/**
 * The customer's side of the order-status view (api.md "Order status view"):
 * the list, one view, and a live stream of one view. Role customer only; an
 * order of another customer is answered 404, like one that does not exist.
 */
import Router from '@koa/router';
import {
  notFound,
  parseIdParam,
  parseWith,
  requireRole,
  tokenExpiryOf,
  userOf,
  type Logger,
  type TokenVerifier,
} from '@baedal/platform';
import { EmptyQuery, ListOrderStatusQuery } from '@baedal/platform/contracts/api';
import { publicView, viewVersion, type OrderView } from '../domain/view.ts';
import type { ViewChanges } from '../events/view-changes.ts';
import type { FreshViews } from '../state/fresh-views.ts';
import type { ViewStore } from '../state/view-store.ts';
import type { SseStreams } from './sse.ts';

export interface StreamTiming {
  /** Poll of the state store, for changes another replica handled. */
  pollMs: number;
  heartbeatMs: number;
}

/** The caller's view of an order (at most the views' max age old), or 404. */
export async function ownView(views: FreshViews, customerId: string, orderId: string): Promise<OrderView> {
  const view = await views.get(orderId);
  if (!view || view.customerId !== customerId) throw notFound(`Order ${orderId}`);
  return view;
}

/** The caller's newest orders, newest first, as stored views. */
export async function newestViews(store: ViewStore, customerId: string, limit: number): Promise<OrderView[]> {
  const index = await store.getIndex(customerId);
  const ids = (index?.value.orders ?? []).slice(0, limit).map((o) => o.orderId);
  const views = await store.getViews(ids);
  return views.filter((v) => v.customerId === customerId);
}

/** Where a followed view goes: an open stream (SseChannel). */
export interface ViewSink {
  send(data: unknown): void;
  comment(text: string): void;
  onClose(fn: () => void): void;
}

/**
 * Sends `first`, then every newer version of the order's view until the sink
 * closes: at once from the in-process change feed (the views this replica's
 * projector wrote), and from a read of the state store every `pollMs` (with
 * several replicas, the events another replica projected reach the stream only
 * this way). Each write adds exactly one applied event id, so their count
 * orders the versions: an older copy (a slow poll) is never sent after a newer
 * one, and a version is sent once, whichever way it came first; a version whose
 * visible part did not change is not sent at all.
 */
export function followView(
  deps: { store: ViewStore; changes: ViewChanges; timing: StreamTiming; logger: Logger },
  sink: ViewSink,
  customerId: string,
  first: OrderView,
): void {
  const { store, changes, timing, logger } = deps;
  const orderId = first.orderId;
  let version = viewVersion(first);
  let sent = JSON.stringify(publicView(first));
  sink.send(publicView(first));
  const offer = (view: OrderView) => {
    if (view.customerId !== customerId || viewVersion(view) <= version) return;
    version = viewVersion(view);
    const body = JSON.stringify(publicView(view));
    if (body === sent) return;
    sent = body;
    sink.send(publicView(view));
  };

  const unsubscribe = changes.subscribe(orderId, offer);
  let polling = false;
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    store
      .getView(orderId)
      .then((found) => found && offer(found.value))
      .catch((e: unknown) => logger.debug({ err: e, orderId }, 'stream poll failed; next poll retries'))
      .finally(() => {
        polling = false;
      });
  }, timing.pollMs);
  const heartbeat = setInterval(() => sink.comment('keep-alive'), timing.heartbeatMs);
  sink.onClose(() => {
    clearInterval(poll);
    clearInterval(heartbeat);
    unsubscribe();
  });
}

export function orderStatusRoutes(deps: {
  store: ViewStore;
  views: FreshViews;
  changes: ViewChanges;
  streams: SseStreams;
  verifier: TokenVerifier;
  timing: StreamTiming;
  logger: Logger;
}): Router {
  const { store, views, changes, streams, verifier, timing, logger } = deps;
  const router = new Router({ prefix: '/api/order-status' });
  router.use(requireRole(verifier, 'customer'));

  router.get('/', async (ctx) => {
    const q = parseWith(ListOrderStatusQuery, ctx.query, 'query');
    ctx.body = (await newestViews(store, userOf(ctx).id, q.limit)).map(publicView);
  });

  router.get('/:orderId', async (ctx) => {
    const orderId = parseIdParam(ctx.params.orderId, 'The order');
    parseWith(EmptyQuery, ctx.query, 'query');
    ctx.body = publicView(await ownView(views, userOf(ctx).id, orderId));
  });

  router.get('/:orderId/stream', async (ctx) => {
    const orderId = parseIdParam(ctx.params.orderId, 'The order');
    parseWith(EmptyQuery, ctx.query, 'query');
    const customerId = userOf(ctx).id;
    const first = await ownView(views, customerId, orderId);

    const channel = streams.open(ctx, { userId: customerId, closeAt: tokenExpiryOf(ctx) });
    followView({ store, changes, timing, logger }, channel, customerId, first);
  });

  return router;
}
