/**
 * Server-sent events on Koa: the response body is a PassThrough the route
 * writes `data:` events and `:` comments into. Every open stream is tracked so
 * a shutdown can end them (otherwise server.close() waits for them).
 */
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';

export class SseChannel {
  private readonly stream = new PassThrough();
  private readonly cleanups: (() => void)[] = [];
  private closed = false;

  constructor(ctx: Context) {
    // No idle timeout on this socket: the stream stays open as long as the client wants.
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Connection', 'keep-alive');
    // Proxies (nginx ingress) must not buffer the stream.
    ctx.set('X-Accel-Buffering', 'no');
    ctx.status = 200;
    ctx.body = this.stream;
    const end = () => this.finish();
    this.stream.on('close', end);
    this.stream.on('error', end);
    ctx.res.on('close', end);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** One event with a JSON payload. */
  send(data: unknown): void {
    this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line: clients ignore it; it keeps proxies and idle timers from closing the stream. */
  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.cleanups.push(fn);
  }

  close(): void {
    if (!this.stream.writableEnded) this.stream.end();
    this.finish();
  }

  private write(chunk: string): void {
    if (this.closed || this.stream.writableEnded || this.stream.destroyed) return;
    this.stream.write(chunk);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.cleanups.splice(0)) fn();
  }
}

export class SseStreams {
  private readonly channels = new Set<SseChannel>();

  open(ctx: Context): SseChannel {
    const channel = new SseChannel(ctx);
    this.channels.add(channel);
    channel.onClose(() => this.channels.delete(channel));
    return channel;
  }

  get size(): number {
    return this.channels.size;
  }

  closeAll(): void {
    for (const c of [...this.channels]) c.close();
  }
}
