/**
 * The reverse proxy for /api: what the Kubernetes Ingress does in the cluster.
 * http-proxy-3 (the maintained, typed rewrite of http-proxy; the original is
 * unmaintained and uses APIs Node 22+ deprecates) streams both ways: request
 * bodies go through untouched (the upstream enforces 64 KiB / 415 / 400),
 * responses are piped as they come, so Server-Sent Events reach the client
 * unbuffered, and no timeout cuts a long-lived response. X-Forwarded-For,
 * -Proto, -Host (and -Port) are added; X-Request-Id is passed on.
 */
import http from 'node:http';
import { unavailable, type Logger } from '@baedal/platform';
import { createProxyServer } from 'http-proxy-3';
import type { Middleware } from 'koa';
import type { UpstreamName } from '../config.ts';
import { matchRoute, type Route } from '../domain/route-table.ts';

export const RETRY_AFTER_SECONDS = 5;

export function proxyMiddleware(deps: {
  upstreams: Readonly<Record<UpstreamName, string>>;
  logger: Logger;
  routes?: readonly Route[];
}): Middleware & { close: () => void } {
  const { upstreams, logger } = deps;
  // One keep-alive pool for all upstreams; no socket timeout, so idle SSE
  // streams stay open as long as client and upstream keep them.
  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000, maxFreeSockets: 64, scheduling: 'lifo' });
  const proxy = createProxyServer({ agent, xfwd: true, connectTimeout: 3000 });
  // Errors are handled per request (callback below); this only keeps a stray one from crashing the process.
  proxy.on('error', (err) => logger.warn({ err }, 'proxy error'));

  const middleware: Middleware = async (ctx, next) => {
    const route = matchRoute(ctx.path, deps.routes);
    if (!route) return next();
    const target = upstreams[route.upstream];
    // Bounded label for the request metric: the route prefix, not the path.
    (ctx as { _matchedRoute?: string })._matchedRoute = `proxy ${route.prefix}`;
    // The request id the edge answers with is the one the upstream logs.
    ctx.req.headers['x-request-id'] = ctx.response.get('X-Request-Id') || ctx.get('x-request-id');

    ctx.respond = false;
    const { req, res } = ctx;
    try {
      await new Promise<void>((resolve, reject) => {
        res.once('close', () => resolve());
        proxy.web(req, res, { target }, (err) => {
          if (!res.headersSent) {
            reject(err);
            return;
          }
          // Failed mid-response (upstream died during a stream): cut the client off.
          res.destroy(err);
          resolve();
        });
        proxy.once('proxyRes', () => undefined);
      });
    } catch (err) {
      logger.warn({ err, upstream: route.upstream, path: ctx.path }, 'upstream unreachable');
      ctx.respond = true;
      throw unavailable(`The ${route.upstream} service is unavailable; try again shortly.`, RETRY_AFTER_SECONDS);
    }
  };

  return Object.assign(middleware, { close: () => agent.destroy() });
}
