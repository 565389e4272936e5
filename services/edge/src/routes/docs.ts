/**
 * Documentation the edge serves: the OpenAPI document of the HTTP API, the
 * AsyncAPI document of the events the services exchange, and one short page
 * per problem type, which is what the `type` URI of every problem answer
 * points to.
 */
import Router from '@koa/router';
import { notFound } from '@baedal/platform';
import { asyncApiDocument } from '@baedal/platform/contracts/asyncapi';
import { openApiDocument } from '../openapi.ts';

/** The documents served as JSON, each at its exact path (the chart's Ingress routes exactly these). */
export const documentPaths = ['/openapi.json', '/asyncapi.json'] as const;

interface ProblemType {
  status: number;
  title: string;
  text: string;
}

export const problemTypes: Record<string, ProblemType> = {
  validation: {
    status: 400,
    title: 'Your request is not valid',
    text: 'The body or the query does not match the schema, or it has fields the API does not accept (a client never sets a price, a status or an owner). The errors list names each field and what is wrong with it.',
  },
  unauthorized: {
    status: 401,
    title: 'Authentication required',
    text: 'Send Authorization: Bearer <accessToken>. The token was missing, malformed, expired or badly signed, or the username and password did not match.',
  },
  forbidden: {
    status: 403,
    title: 'Not allowed for your role',
    text: 'You are logged in, but your role (customer, owner, rider or admin) may not do this.',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    text: 'The resource does not exist, or it belongs to someone else: the API never tells which. An id in the path that is not a uuid names nothing, so it is answered the same way.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    text: 'The path exists, but not with this HTTP method.',
  },
  conflict: {
    status: 409,
    title: 'Not allowed in the current state',
    text: 'The transition is not allowed now: for example cancelling after cooking started, or a second rider picking the same delivery. Reload the resource to see its state.',
  },
  'payload-too-large': {
    status: 413,
    title: 'Body too large',
    text: 'Request bodies are limited to 64 KiB.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'JSON only',
    text: 'Send the body as application/json.',
  },
  'http-error': {
    status: 400,
    title: 'Request refused',
    text: 'The request could not be handled as sent; the detail says why.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    text: 'This client address or this account sent more requests than the limit allows (a rate per second plus a burst, counted by each service process). Nothing was done. Try again after the number of seconds in the Retry-After header.',
  },
  'too-many-streams': {
    status: 429,
    title: 'Too many open streams',
    text: 'This account already holds as many live status streams as one service process allows (SSE_MAX_STREAMS_PER_USER). No stream was opened. Close one (every stream also ends when the token that opened it expires) and try again.',
  },
  unavailable: {
    status: 503,
    title: 'Temporarily unavailable',
    text: 'A service this request needs is down, too slow or behind an open circuit breaker. Nothing was charged or changed. Try again after the number of seconds in the Retry-After header.',
  },
  internal: {
    status: 500,
    title: 'Internal error',
    text: 'Something went wrong on our side. The X-Request-Id header of the answer helps the operators find it.',
  },
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function problemPage(slug: string, p: ProblemType): string {
  const title = escapeHtml(p.title);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.status} ${title} · baedal</title><link rel="stylesheet" href="/styles.css"></head>
<body><main class="doc">
<p class="muted">Problem type <code>/problems/${escapeHtml(slug)}</code> · HTTP ${p.status}</p>
<h1>${title}</h1>
<p>${escapeHtml(p.text)}</p>
<p class="muted">Answers of this type are <code>application/problem+json</code> (RFC 9457): <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code> and, for validation, <code>errors</code>.</p>
<p><a href="/">baedal</a> · <a href="/openapi.json">OpenAPI</a> · <a href="/asyncapi.json">AsyncAPI</a></p>
</main></body>
</html>
`;
}

export function docsRoutes(opts: { loginEnabled: boolean }): Router {
  const router = new Router();
  const documents: Record<(typeof documentPaths)[number], string> = {
    '/openapi.json': JSON.stringify(openApiDocument(opts)),
    '/asyncapi.json': JSON.stringify(asyncApiDocument()),
  };
  for (const path of documentPaths) {
    const body = documents[path];
    router.get(path, (ctx) => {
      ctx.type = 'application/json';
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = body;
    });
  }

  router.get('/problems/:slug', (ctx) => {
    const slug = ctx.params.slug ?? '';
    const p = Object.hasOwn(problemTypes, slug) ? problemTypes[slug] : undefined;
    if (!p) throw notFound('This problem type');
    ctx.type = 'text/html';
    ctx.body = problemPage(slug, p);
  });

  return router;
}
