/**
 * Only a service's own sidecar may call the routes meant for sidecars:
 * service invocation (`/internal/...`), pub/sub deliveries (`/events/...`) and
 * Dapr's own calls (`/dapr/...`). Dapr's app API token does the proving: daprd
 * reads APP_API_TOKEN from its environment and sends it in the `dapr-api-token`
 * header on every call to its app; the app gets the same value and refuses
 * any request to those routes without it (401 problem, before the body is
 * read, so nothing changes). See docs/security.md.
 *
 * Hand-written because Dapr only sends the token; checking it is the app's job
 * (the SDKs' servers do the same for Express and gRPC).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from './problem.ts';

/** The header daprd puts the app API token in. */
export const APP_TOKEN_HEADER = 'dapr-api-token';

const SIDECAR_PATH = /^\/(?:dapr|events|internal)(?:\/|$)/;

/**
 * Whether a path is one only the sidecar may call. The router matches paths
 * case-insensitively, ignores a trailing slash and (for this check) could be
 * reached through percent-encoded letters, so the path is decoded and lowered
 * first: `/INTERNAL/payments` and `/%69nternal/payments` are sidecar paths too.
 */
export function isSidecarPath(path: string): boolean {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A malformed escape: match the raw path, which the router cannot decode either.
  }
  return SIDECAR_PATH.test(decoded.replace(/\/{2,}/g, '/').toLowerCase());
}

const sidecarOnly = (detail: string) =>
  new AppError(401, 'sidecar-only', 'Only the service sidecar may call this', detail);

/** SHA-256 first, so the constant-time compare also hides the expected token's length. */
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Refuses sidecar-only paths without the right `dapr-api-token` header. With
 * no token configured (`undefined`) every such request is refused: a service
 * whose sidecar was started without one gets no events rather than anyone's.
 */
export function appTokenMiddleware(token: string | undefined): Middleware {
  const expected = token === undefined ? undefined : digest(token);
  return async (ctx, next) => {
    if (!isSidecarPath(ctx.path)) return next();
    if (expected === undefined) throw sidecarOnly('This service has no app API token configured.');
    const got = ctx.get(APP_TOKEN_HEADER);
    if (!got || !timingSafeEqual(digest(got), expected)) {
      throw sidecarOnly(`A valid ${APP_TOKEN_HEADER} header is required.`);
    }
    return next();
  };
}
