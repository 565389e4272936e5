/**
 * What a service process runs: its sources and dependencies bundled by esbuild
 * into one ES module, `services/<name>/dist/index.mjs`, run by Node as it is.
 * The image builds it (services/Dockerfile), the local stack before it starts
 * an app (tools/stack/processes.ts), so the bench and the tests run what
 * production runs. `node packages/platform/src/bundle.ts <service>...` builds
 * by hand.
 *
 * Why not run the TypeScript sources as they are: V8 keeps the source text of
 * every module it loaded for the life of the process, comments and all (14 MB
 * of strings in a database service at rest, more than a third of its heap),
 * and its bookkeeping for each of ~900 modules. One bundle holds only the code
 * the service reaches (ES modules are tree-shaken), without comments or
 * indentation: a database service's idle heap went from 34.5 to 22.4 MB and its
 * PSS from 58 to 47 MB (docs/performance.md, round 4, item 23).
 *
 * Identifiers are kept (whitespace and syntax are minified, names are not), and
 * so are functions' and classes' own names, so a stack trace still names its
 * functions. The output is ASCII: one character
 * above 127 makes V8 hold the whole source as two bytes per character; the
 * licence comments of the bundled packages go to `index.mjs.LEGAL.txt` beside
 * it (one of them has such a character).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';

/** The repository's services folder (this file is packages/platform/src/bundle.ts). */
const servicesDir = path.resolve(import.meta.dirname, '..', '..', '..', 'services');

/** Where a service's bundle is written, and what its process runs. */
export function bundlePath(service: string, root = servicesDir): string {
  return path.join(root, service, 'dist', 'index.mjs');
}

export function bundleOptions(service: string, root = servicesDir): BuildOptions {
  return {
    entryPoints: [path.join(root, service, 'src', 'index.ts')],
    outfile: bundlePath(service, root),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    charset: 'ascii',
    legalComments: 'external',
    minifyWhitespace: true,
    minifySyntax: true,
    // Bundling renames what collides (two modules' `Migrator`); a class keeps its own
    // `.name`, which MikroORM looks extensions up by (and stack traces show).
    keepNames: true,
    // esbuild runs its own native binary, found beside its package: it cannot be
    // bundled (the edge bundles its web app with it at start).
    external: ['esbuild'],
    // The CommonJS packages in the bundle (mysql2, undici, pino) call require().
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
    },
    logLevel: 'warning',
    write: false,
  };
}

/**
 * Builds a service's bundle. Each file is written beside its place and renamed
 * onto it, so a process starting meanwhile (another stack instance from the
 * same checkout) reads the old file or the new one, never half of one.
 */
export async function bundleService(service: string, root = servicesDir): Promise<string> {
  const result = await build(bundleOptions(service, root));
  const out = bundlePath(service, root);
  mkdirSync(path.dirname(out), { recursive: true });
  for (const file of result.outputFiles ?? []) {
    const temp = `${file.path}.${randomUUID()}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
  return out;
}

if (import.meta.main) {
  const services = process.argv.slice(2);
  if (services.length === 0) {
    console.error('usage: node packages/platform/src/bundle.ts <service>...');
    process.exit(2);
  }
  for (const service of services) {
    const started = performance.now();
    const out = await bundleService(service);
    process.stdout.write(`${path.relative(process.cwd(), out)} in ${Math.round(performance.now() - started)} ms\n`);
  }
}
