/**
 * The reverse proxy for /api: what the Kubernetes Ingress does in the cluster.
 * http-proxy-3 (the maintained, typed rewrite of http-proxy; the original has
 * been unmaintained since 2020 and uses util._extend, which Node 22+ warns
 * about) streams both ways: request bodies go through untouched (the upstream
 * enforces 64 KiB / 415 / 400), responses are piped as they come, so
 * Server-Sent Events reach the client unbuffered, and no timeout cuts a
 * long-lived response. X-Forwarded-For, -Proto, -Host (and -Port) are added;
 * X-Request-Id is passed on.
 */
import http from 'node:http';
import { AppError, badRequest, unavailable, type Logger } from '@baedal/platform';
import { createProxyServer } from 'http-proxy-3';
import type { Middleware } from 'koa';
import type { UpstreamName } from '../config.ts';
import type { MethodsOf } from '../domain/operations.ts';
import { matchRoute, routeTable, type Route } from '../domain/route-table.ts';

export const RETRY_AFTER_SECONDS = 5;

/** Methods no route of ours takes a body with. */
const BODILESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * Request smuggling guard: http-proxy-3 gives a DELETE or OPTIONS without
 * Content-Length a `Content-Length: 0` and drops Transfer-Encoding, yet still
 * streams the body, which the upstream then reads as a second request (one
 * that could reach /internal). No route takes a body with these methods, so
 * such a request is refused before it reaches the proxy.
 */
function carriesBody(req: http.IncomingMessage): boolean {
  const length = Number(req.headers['content-length'] ?? 0);
  return req.headers['transfer-encoding'] !== undefined || length > 0;
}
const CONNECT_TIMEOUT_MS = 3000;

export interface ProxyMiddleware extends Middleware {
  /** Closes the keep-alive connections to the upstreams (at shutdown). */
  close: () => void;
}

export function proxyMiddleware(deps: {
  upstreams: Readonly<Record<UpstreamName, string>>;
  logger: Logger;
  routes?: readonly Route[];
  /** Documented methods of a path: a bodiless method the path does not take is a 405, whatever its body. */
  methodsOf?: MethodsOf;
}): ProxyMiddleware {
  const { upstreams, logger, routes = routeTable, methodsOf = () => undefined } = deps;
  // One keep-alive pool for all upstreams. No socket timeout on purpose: an
  // idle SSE stream stays open as long as client and upstream keep it.
  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000, maxFreeSockets: 64, scheduling: 'lifo' });
  const proxy = createProxyServer({ agent, xfwd: true, connectTimeout: CONNECT_TIMEOUT_MS });
  // Errors are handled per request (callback below); this only keeps a stray one from crashing the process.
  proxy.on('error', (err) => logger.warn({ err }, 'proxy error'));
  proxy.on('proxyRes', (proxyRes, _req, res) => {
    // Hop-by-hop: the upstream's keep-alive hint is about its connection to
    // the edge, not the edge's to the client (the proxy sets Connection itself).
    delete proxyRes.headers['keep-alive'];
    // The upstream died in the middle of its answer (e.g. during an SSE
    // stream): cut the client off too, so it notices and reconnects instead
    // of waiting forever on a half-finished response.
    proxyRes.once('close', () => {
      if (!proxyRes.complete) res.destroy();
    });
  });

  const middleware: Middleware = async (ctx, next) => {
    const route = matchRoute(ctx.path, routes);
    if (!route) return next();
    if (BODILESS.has(ctx.method) && carriesBody(ctx.req)) {
      const allowed = methodsOf(ctx.path);
      if (allowed && !allowed.includes(ctx.method)) {
        throw new AppError(405, 'method-not-allowed', 'Method not allowed', `${ctx.method} is not allowed here.`, {
          headers: { Allow: allowed.join(', ') },
        });
      }
      throw badRequest(`A ${ctx.method} request takes no body.`);
    }
    const upstream = route.upstream;
    // Bounded label for the request metric: the route prefix, not the path.
    (ctx as { _matchedRoute?: string })._matchedRoute = `proxy ${route.prefix}`;
    // The id the edge answers with (the caller's or a new one) is the one the upstream logs.
    ctx.req.headers['x-request-id'] = ctx.response.get('X-Request-Id') || ctx.get('x-request-id');

    const { req, res } = ctx;
    ctx.respond = false; // the proxy writes the response itself, streaming
    try {
      await new Promise<void>((resolve, reject) => {
        res.once('close', () => resolve());
        proxy.web(req, res, { target: upstreams[upstream] }, (err) => {
          if (res.headersSent) {
            res.destroy();
            resolve();
          } else {
            reject(err);
          }
        });
      });
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      logger.warn({ upstream, path: ctx.path, reason }, 'upstream unreachable');
      ctx.respond = true;
      throw unavailable(`The ${upstream} service is unavailable; try again shortly.`, RETRY_AFTER_SECONDS);
    }
    // ctx.status is res.statusCode, which the proxy set from the upstream's answer.
  };

  return Object.assign(middleware, { close: () => agent.destroy() });
}
