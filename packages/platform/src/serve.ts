/** Listens and shuts down gracefully on SIGTERM/SIGINT (Kubernetes sends SIGTERM). */
import type Koa from 'koa';
import type { Logger } from './logger.ts';

export function serve(app: Koa, opts: { port: number; logger: Logger; onShutdown?: () => Promise<void> }) {
  const server = app.listen(opts.port, () => opts.logger.info({ port: opts.port }, 'listening'));
  // Sidecars and proxies keep connections open; outlive their idle timeouts.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    opts.logger.info({ signal }, 'shutting down');
    server.close();
    server.closeIdleConnections();
    const force = setTimeout(() => process.exit(0), 8000);
    force.unref();
    void (opts.onShutdown?.() ?? Promise.resolve())
      .catch((e: unknown) => opts.logger.error({ err: e }, 'shutdown failed'))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (e) => opts.logger.error({ err: e }, 'unhandled rejection'));
  return server;
}
