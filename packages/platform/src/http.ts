/**
 * The Koa app every service builds on: problem answers, rate limits per client
 * address and per user, JSON-only bodies of at most 64 KiB, request logging,
 * metrics, and /healthz, /readyz, /metrics. Services add their routers to it;
 * `src/index.ts` does the listening.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import getRawBody from 'raw-body';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { appTokenMiddleware } from './app-token.ts';
import { readRateLimitConfig, readTracingConfig } from './config.ts';
import { badRequest, payloadTooLarge, problemMiddleware, unsupportedMediaType } from './problem.ts';
import { rateLimitMiddleware, type RateLimitConfig, type RateLimitOptions } from './ratelimit.ts';
import { sidecarTraceMiddleware, traceContextMiddleware } from './trace.ts';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** What /readyz reports: each named dependency and whether it answered. */
export type ReadinessCheck = () => Promise<Record<string, boolean>>;

export interface ServiceAppOptions {
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck;
  /** Rate limits; by default read from RATE_LIMIT_* in the environment (config.ts). */
  rateLimit?: RateLimitOptions & { config?: RateLimitConfig };
  /**
   * Whether a proxy this service trusts stands in front of it and appends the
   * client's address to X-Forwarded-For (default true: the services sit behind
   * the edge locally and behind the Ingress in a cluster). False for the first
   * hop, which must take the socket's address: a client writes X-Forwarded-For
   * as it likes.
   */
  behindProxy?: boolean;
  /**
   * The app's sidecar, whose app API token (APP_API_TOKEN) every request to
   * /internal, /events and /dapr must carry (app-token.ts); `undefined` as the
   * token refuses them all. null for an app without a sidecar (the edge), which
   * serves none of those paths.
   */
  sidecar: { appApiToken: string | undefined } | null;
  /** Trace sampling of the traces the service starts (trace.ts); by default TRACE_SAMPLING_RATE. */
  tracing?: { samplingRate: number | undefined };
}

declare module 'koa' {
  interface Request {
    /** The parsed JSON body; undefined when the request had none. */
    body?: unknown;
  }
}

const JSON_TYPES = ['application/json', 'application/cloudevents+json', 'application/*+json'];

/** Reads and drops the rest of a refused body, at most 1 MiB of it; past that the connection is closed. */
function discardRest(req: IncomingMessage, maxBytes = 1024 * 1024): void {
  if (req.complete) return;
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) req.socket.destroy();
  });
  req.resume();
}

/**
 * A tiny JSON body reader instead of a body-parser package: we need exactly
 * 413 over the limit, 415 for anything but JSON, 400 for malformed JSON, and
 * no body at all for bodiless POSTs, each as a problem answer.
 */
function jsonBody(): Koa.Middleware {
  return async (ctx, next) => {
    const hasBody = ctx.request.length > 0 || ctx.get('transfer-encoding') !== '';
    if (!['POST', 'PUT', 'PATCH'].includes(ctx.method) || !hasBody) return next();
    if (!ctx.is(JSON_TYPES)) throw unsupportedMediaType();
    let raw: string;
    try {
      raw = await getRawBody(ctx.req, { limit: BODY_LIMIT_BYTES, encoding: 'utf8', length: ctx.request.length });
    } catch (e) {
      // raw-body leaves a body it gave up on paused and half read: the
      // connection would hang, and so would the next request on it.
      discardRest(ctx.req);
      if ((e as { type?: string }).type === 'entity.too.large') throw payloadTooLarge(BODY_LIMIT_BYTES);
      throw badRequest('The body could not be read.');
    }
    if (raw.trim() === '') return next();
    try {
      ctx.request.body = JSON.parse(raw) as unknown;
    } catch {
      throw badRequest('The body is not valid JSON.');
    }
    return next();
  };
}

export function createServiceApp(opts: ServiceAppOptions): { app: Koa; router: Router } {
  const { logger, metrics, readiness } = opts;
  const app = new Koa();
  app.proxy = opts.behindProxy ?? true;
  // Trust one proxy hop: ctx.ip is the address the edge (locally) or the
  // Ingress controller (in the cluster) appended to X-Forwarded-For, not an
  // entry the client wrote itself. It keys the per-address rate limit.
  app.maxIpsCount = 1;
  app.silent = true;
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    let checks: Record<string, boolean>;
    try {
      checks = await readiness();
    } catch {
      checks = { readiness: false };
    }
    const ready = Object.values(checks).every(Boolean);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not-ready', checks };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  // The trace context first, so every log line of the request carries its trace id. An app
  // without a sidecar (the edge) makes no sidecar call and writes no event: it has none.
  if (opts.sidecar) app.use(traceContextMiddleware((opts.tracing ?? readTracingConfig(process.env)).samplingRate));
  app.use(async (ctx, next) => {
    const requestId = ctx.get('x-request-id') || randomUUID();
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const quiet = ctx.path === '/healthz' || ctx.path === '/readyz' || ctx.path === '/metrics';
    const line = { requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms };
    if (quiet) logger.trace(line, 'request');
    else if (ctx.status >= 500) logger.error(line, 'request failed');
    else logger.debug(line, 'request');
  });
  app.use(metrics.middleware());
  app.use(problemMiddleware(logger));
  // Before the rate limits and the body: a caller without the token costs nothing.
  if (opts.sidecar) {
    if (opts.sidecar.appApiToken === undefined) {
      logger.warn('APP_API_TOKEN is not set: every request to /internal, /events and /dapr is refused');
    }
    app.use(appTokenMiddleware(opts.sidecar.appApiToken));
    app.use(sidecarTraceMiddleware);
  }
  const { config: limits = readRateLimitConfig(process.env), ...limitOpts } = opts.rateLimit ?? {};
  app.use(rateLimitMiddleware(limits, limitOpts));
  app.use(jsonBody());
  return { app, router };
}

/** Mounts the router last, after the service's own middleware. */
export function finishApp(app: Koa, router: Router): Koa {
  // A method the router knows nowhere (PROPFIND, PURGE, ...) gets 501 from
  // allowedMethods: a client's mistake is not a server error. It becomes 405
  // (with Allow) where the path exists, else 404; the problem middleware
  // writes either as a problem answer.
  app.use(async (ctx, next) => {
    await next();
    if (ctx.status !== 501 || ctx.body !== undefined) return;
    if (ctx.response.get('Allow')) ctx.status = 405;
    else {
      ctx.remove('Allow');
      ctx.status = 404;
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
