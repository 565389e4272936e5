/**
 * RFC 9457 problem answers. Routes throw an AppError (or a helper below); one
 * middleware turns it into `application/problem+json`. No route rewrites
 * status codes on its own.
 */
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
}

/** A problem type is a relative URI the edge documents at /problems/<slug>. */
export const problemType = (slug: string) => `/problems/${slug}`;

export class AppError extends Error {
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    slug: string,
    title: string,
    detail: string,
    extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.errors = extra.errors;
    this.headers = extra.headers ?? {};
  }

  toProblem(instance?: string): ProblemDocument {
    const doc: ProblemDocument = {
      type: problemType(this.slug),
      title: this.title,
      status: this.status,
      detail: this.message,
    };
    if (instance) doc.instance = instance;
    if (this.errors) doc.errors = this.errors;
    return doc;
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new AppError(400, 'validation', 'Your request is not valid', detail, errors ? { errors } : {});
export const unauthorized = (detail = 'A valid bearer token is required.') =>
  new AppError(401, 'unauthorized', 'Authentication required', detail, {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
export const forbidden = (detail = 'Your role may not do this.') =>
  new AppError(403, 'forbidden', 'Not allowed for your role', detail);
export const notFound = (what: string) => new AppError(404, 'not-found', 'Not found', `${what} does not exist.`);
export const conflict = (detail: string) => new AppError(409, 'conflict', 'Not allowed in the current state', detail);
export const payloadTooLarge = (limit: number) =>
  new AppError(413, 'payload-too-large', 'Body too large', `Bodies are limited to ${limit} bytes.`);
export const unsupportedMediaType = () =>
  new AppError(415, 'unsupported-media-type', 'JSON only', 'Send application/json.');
export const unavailable = (detail: string, retryAfterSeconds: number) =>
  new AppError(503, 'unavailable', 'Temporarily unavailable', detail, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

function send(ctx: Context, err: AppError) {
  ctx.status = err.status;
  for (const [k, v] of Object.entries(err.headers)) ctx.set(k, v);
  ctx.type = 'application/problem+json';
  ctx.body = err.toProblem(ctx.path);
}

/** Maps thrown errors to problem documents; unknown errors become an opaque 500 and are logged. */
export function problemMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        send(ctx, new AppError(404, 'not-found', 'Not found', `No route for ${ctx.method} ${ctx.path}.`));
      } else if (ctx.status === 405 && ctx.body === undefined) {
        send(ctx, new AppError(405, 'method-not-allowed', 'Method not allowed', `${ctx.method} is not allowed here.`));
      }
    } catch (e) {
      if (e instanceof AppError) {
        send(ctx, e);
        return;
      }
      const status = (e as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        // Errors thrown by Koa or a library with an HTTP status (e.g. ctx.throw).
        send(ctx, new AppError(status, 'http-error', 'Request refused', (e as Error).message));
        return;
      }
      logger.error({ err: e, method: ctx.method, path: ctx.path }, 'unhandled error');
      send(ctx, new AppError(500, 'internal', 'Internal error', 'Something went wrong on our side.'));
    }
  };
}
