/**
 * The web app: index.html and styles.css from public/, and app.js bundled
 * from the typed sources in web/ with esbuild when the edge starts. All three
 * are held in memory and served with a strict Content-Security-Policy:
 * scripts and styles only from this origin, API calls only to this origin.
 *
 * Why bundle at start rather than in a build step: the bundle then always
 * matches the sources the edge runs (locally, in the image and in tests),
 * there is no artefact to keep in sync, and it takes about 50 ms once.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import { DEMO_PASSWORD } from '@baedal/platform/contracts/demo';
import { buildSync } from 'esbuild';

const publicDir = new URL('../../public/', import.meta.url);
const entry = fileURLToPath(new URL('../../web/main.ts', import.meta.url));

/** The paths the web UI is served on (the chart's Ingress routes exactly these to the edge). */
export const uiPaths = ['/', '/app.js', '/styles.css'] as const;

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

/** The app's script; `demoUsers` are offered as one-click logins (empty: none, as in production). */
export function bundleWebApp(demoUsers: readonly string[]): Buffer {
  const out = buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    define: {
      __DEMO_USERS__: JSON.stringify(demoUsers),
      __DEMO_PASSWORD__: JSON.stringify(demoUsers.length ? DEMO_PASSWORD : ''),
    },
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild produced no bundle for the web app');
  return Buffer.from(file.contents);
}

export function uiRoutes(options: { demoUsers: readonly string[] }): Router {
  const files: Record<(typeof uiPaths)[number], { type: string; content: Buffer }> = {
    '/': { type: 'text/html; charset=utf-8', content: readFileSync(new URL('index.html', publicDir)) },
    '/app.js': { type: 'text/javascript; charset=utf-8', content: bundleWebApp(options.demoUsers) },
    '/styles.css': { type: 'text/css; charset=utf-8', content: readFileSync(new URL('styles.css', publicDir)) },
  };
  const router = new Router();
  for (const [path, file] of Object.entries(files)) {
    router.get(path, (ctx) => {
      ctx.set({
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      });
      ctx.type = file.type;
      ctx.body = file.content;
    });
  }
  return router;
}
