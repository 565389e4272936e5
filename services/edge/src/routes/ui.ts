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
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import { DEMO_PASSWORD } from '@baedal/platform/contracts/demo';
import { buildSync, stop } from 'esbuild';

/**
 * The edge's own folder (services/edge), the nearest one up with a package.json:
 * this module runs from src/routes/ in tests and from the service's bundle in
 * dist/ (platform bundle.ts) otherwise.
 */
function serviceDir(from: URL): URL {
  for (let dir = new URL('./', from); dir.pathname !== '/'; dir = new URL('../', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir;
  }
  throw new Error(`no package.json above ${fileURLToPath(from)}`);
}
const edgeDir = serviceDir(new URL(import.meta.url));
const publicDir = new URL('public/', edgeDir);
const entry = fileURLToPath(new URL('web/main.ts', edgeDir));

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
  // buildSync runs esbuild in a worker thread, a second V8 isolate that stays for
  // the next call (about 10 MB): there is none, so end it.
  void stop();
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
