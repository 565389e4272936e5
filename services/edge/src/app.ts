/** Builds the edge's Koa app (no listen: tests mount it on port 0). */
import { createServiceApp, finishApp, type Logger, type Metrics } from '@baedal/platform';
import { demoUsers } from '@baedal/platform/contracts/demo';
import { loginEnabled as decideLogin, type Config } from './config.ts';
import type { Credentials } from './domain/credentials.ts';
import { documentedMethods } from './domain/operations.ts';
import { matchRoute } from './domain/route-table.ts';
import { openApiDocument } from './openapi.ts';
import { upstreamHealth } from './domain/upstreams.ts';
import { authRoutes } from './routes/auth.ts';
import { docsRoutes } from './routes/docs.ts';
import { proxyMiddleware } from './routes/proxy.ts';
import { uiRoutes } from './routes/ui.ts';
import type { Middleware } from 'koa';

export function buildApp(deps: { config: Config; logger: Logger; metrics: Metrics; credentials: Credentials }) {
  const { config, logger, metrics } = deps;
  const { app, router } = createServiceApp({
    logger,
    metrics,
    // No sidecar: nothing under /internal, /events or /dapr is served or proxied.
    sidecar: null,
    readiness: () => upstreamHealth(config.upstreams),
    // Proxied /api requests are rate-limited by the service that answers
    // them, by the client address the edge forwards (as in the cluster, where
    // the Ingress routes straight to the services); the edge limits only what
    // it answers itself (login, pages).
    rateLimit: { exempt: (ctx) => matchRoute(ctx.path) !== undefined },
    behindProxy: config.behindProxy,
  });

  // createServiceApp's last middleware is its JSON body reader. Proxied
  // requests must never meet it: their bodies stream to the upstream
  // untouched, and the upstream applies the 64 KiB / 415 / 400 rules. So the
  // proxy goes in just before it, after request log, metrics and problem
  // answers (which still wrap it). app.spec.ts checks this ordering.
  const loginEnabled = decideLogin(config, deps.credentials.size);
  const documented = openApiDocument({ loginEnabled }).paths as Parameters<typeof documentedMethods>[0];
  const proxy = proxyMiddleware({ upstreams: config.upstreams, logger, methodsOf: documentedMethods(documented) });
  app.middleware.splice(app.middleware.length - 1, 0, proxy);

  if (loginEnabled) {
    const { auth, loginLimit } = config;
    router.use(authRoutes({ auth, loginLimit, credentials: deps.credentials }).routes());
  }
  if (config.behindProxy) app.use(hideProbesFromProxiedRequests);
  router.use(docsRoutes({ loginEnabled }).routes());
  // The one-click demo logins exist only where demo users do and the edge issues tokens.
  const demoUsernames = config.demoData && loginEnabled ? demoUsers.map((u) => u.username) : [];
  router.use(uiRoutes({ demoUsers: demoUsernames }).routes());
  return { app: finishApp(app, router), loginEnabled, close: () => proxy.close() };
}

const PROBES_AND_METRICS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Behind an Ingress the edge is the catch-all backend (`/` → edge, so that
 * every path the Ingress validators of ingress-nginx accept reaches it and an
 * unknown one gets the edge's own 404 problem), which would make its probes and
 * metrics public. Every Ingress controller appends X-Forwarded-For to what it
 * forwards (ingress-nginx, Traefik, HAProxy, cloud L7 balancers), and kubelet
 * probes and Prometheus scrapes reach the pod directly without one: so a
 * forwarded request for them is answered like any unknown path.
 */
const hideProbesFromProxiedRequests: Middleware = async (ctx, next) => {
  if (PROBES_AND_METRICS.has(ctx.path) && ctx.get('x-forwarded-for') !== '') return;
  await next();
};
