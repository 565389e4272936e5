/**
 * The web UI: three static files from public/, read once at start and served
 * from memory. A strict Content-Security-Policy: scripts and styles only
 * from this origin, API calls only to this origin.
 */
import { readFileSync } from 'node:fs';
import Router from '@koa/router';

const publicDir = new URL('../../public/', import.meta.url);

const files = {
  '/': { name: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { name: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/styles.css': { name: 'styles.css', type: 'text/css; charset=utf-8' },
} as const;

/** The paths the web UI is served on (the chart's Ingress routes exactly these to the edge). */
export const uiPaths = Object.keys(files);

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function uiRoutes(): Router {
  const router = new Router();
  for (const [path, file] of Object.entries(files)) {
    const content = readFileSync(new URL(file.name, publicDir));
    router.get(path, (ctx) => {
      ctx.set({
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      });
      ctx.type = file.type;
      ctx.body = content;
    });
  }
  return router;
}
