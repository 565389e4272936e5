/**
 * Server-sent events on Koa: the response body is a PassThrough the route
 * writes `data:` events and `:` comments into. Every open stream is tracked so
 * a shutdown can end them (otherwise server.close() waits for them), counted
 * per user (each holds a socket and two timers for as long as the client
 * likes, so one account must not hold thousands), and ended when the token
 * that opened it expires (a stream must not outlive the right to read it).
 */
import { PassThrough } from 'node:stream';
import { AppError } from '@baedal/platform';
import type { Context } from 'koa';

/** Longest delay setTimeout takes (about 24.8 days); tokens live far less (auth.ts MAX_TOKEN_AGE). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Open live status streams one account may hold in one process
 * (SSE_MAX_STREAMS_PER_USER). A person follows an order or two, in a tab or
 * two; the default leaves room for that and stops one token from holding
 * sockets by the thousand.
 */
export const DEFAULT_MAX_STREAMS_PER_USER = 5;

/** Seconds a refused client is told to wait: streams end when their clients leave, not on a clock. */
const RETRY_AFTER_SECONDS = 5;

export const tooManyStreams = (max: number) =>
  new AppError(
    429,
    'too-many-streams',
    'Too many open streams',
    `This account already has ${max} open live status streams in this service process; close one and try again.`,
    { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
  );

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
  private readonly perUser = new Map<string, number>();
  private readonly maxPerUser: number;

  constructor(opts: { maxPerUser: number }) {
    this.maxPerUser = opts.maxPerUser;
  }

  /**
   * Opens a stream for `userId` that closes itself at `closeAt` (ms since the
   * epoch: the token's expiry). Throws the 429 problem, before anything is
   * written, when the user already has maxPerUser open here.
   */
  open(ctx: Context, owner: { userId: string; closeAt: number }): SseChannel {
    const { userId, closeAt } = owner;
    const open = this.perUser.get(userId) ?? 0;
    if (open >= this.maxPerUser) throw tooManyStreams(this.maxPerUser);
    const channel = new SseChannel(ctx);
    this.channels.add(channel);
    this.perUser.set(userId, open + 1);
    const expiry = setTimeout(() => channel.close(), Math.min(Math.max(0, closeAt - Date.now()), MAX_TIMER_MS));
    channel.onClose(() => {
      clearTimeout(expiry);
      this.channels.delete(channel);
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    });
    return channel;
  }

  get size(): number {
    return this.channels.size;
  }

  closeAll(): void {
    for (const c of [...this.channels]) c.close();
  }
}
