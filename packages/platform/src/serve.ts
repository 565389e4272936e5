/** Listens and shuts down gracefully on SIGTERM/SIGINT (Kubernetes sends SIGTERM). */
import { STATUS_CODES } from 'node:http';
import { flushCompileCache } from 'node:module';
import type { Socket } from 'node:net';
import type Koa from 'koa';
import type { Logger } from './logger.ts';
import { releaseMemoryWhenIdle, releaseStartupMemory } from './memory-release.ts';

/**
 * Requests Node's HTTP parser refuses (an unknown method, a request line and
 * headers over 16 KiB, a malformed request) never reach Koa, and Node answers
 * them with a bare status line. Answer them as problem documents too, with
 * the status Node would have used.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // As Node does: answer only when no response on this connection has started
  // (a keep-alive connection may carry an earlier request's answer).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
        ? 413
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
  const body = JSON.stringify({
    type: '/problems/http-error',
    title: 'Request refused',
    status,
    detail:
      status === 431
        ? 'The request line and headers are limited to 16 KiB.'
        : 'The request could not be parsed as HTTP.',
  });
  // An answer to HEAD has no body (the client would read it as garbage). Node
  // hands over the bytes it failed on, which start with the request line
  // whenever the request came in one piece.
  const rawPacket = (err as { rawPacket?: Buffer }).rawPacket;
  const head = rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n` +
      `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${head ? '' : body}`,
  );
  // Closing with unread bytes (the rest of an oversize head) would reset the
  // connection, and the client could lose the answer: read and drop them
  // until the client closes, for a few seconds at most.
  socket.removeAllListeners('data');
  socket.on('data', () => undefined);
  socket.resume();
  socket.setTimeout(5000, () => socket.destroy());
}

export function serve(
  app: Koa,
  opts: { port: number; host?: string | undefined; logger: Logger; onShutdown?: () => Promise<void> },
) {
  // Without a host Node listens on every interface (what a pod needs).
  const server = app.listen({ port: opts.port, ...(opts.host ? { host: opts.host } : {}) }, () => {
    opts.logger.info({ host: opts.host ?? '*', port: opts.port }, 'listening');
    // Every module is loaded now: write Node's compile cache (NODE_COMPILE_CACHE, set by
    // the local stack) at once rather than at exit, which a killed process never reaches.
    flushCompileCache();
    releaseStartupMemory();
    releaseMemoryWhenIdle({ onRelease: () => opts.logger.debug('quiet after a load: memory given back') });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket));
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
