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
 * Identifiers are kept (whitespace and syntax are minified, names are not), so
 * a stack trace still names its functions; where bundling renamed a class or a
 * function to avoid a clash, its own `name` is set back (keepChangedNamesOnly).
 * The output is ASCII: one character above 127 makes V8 hold the whole source
 * as two bytes per character; the licence comments of the bundled packages go
 * to `index.mjs.LEGAL.txt` beside it (one of them has such a character).
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
    // Lines of at most this length: Node prints the source line of an uncaught error
    // (a bad configuration at start), which would otherwise be thousands of characters.
    lineLimit: 160,
    // Bundling renames what collides (two modules' `Migrator`); a class keeps its own
    // `.name`, by which MikroORM finds its extensions and recognises an EntitySchema.
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

/** esbuild's helper behind keepNames, as it writes it with whitespace minified. */
export const ESBUILD_NAME_HELPER = 'var __name=(target,value)=>__defProp(target,"name",{value,configurable:!0})';

/**
 * keepNames where a name changed, and nowhere else. esbuild calls `__name` for
 * every function it emits, also each time a function declared inside another
 * is created (koa's response setters, on-finished's listeners: several per
 * request), and redefining a fresh function's `name` gives it a map of its own,
 * which V8 handles slowly: the customer service spent about 20 % more CPU per
 * status read than from its sources (reading `name` first to skip it costs
 * half of that again; docs/performance.md, item 23). A name survives bundling
 * unchanged except where esbuild renamed a declaration to avoid a clash, which
 * its output shows as `__name(Renamed2,"Renamed")` and, for classes,
 * `static{__name(this,"Name")}` (either broken over lines by lineLimit);
 * those call a helper that sets the name, once per definition, and every other
 * call is the identity. What that gives up: an arrow function or function
 * expression esbuild wrapped in `__name` to name it (`const f = () => ...`)
 * has an empty `name` (its stack frames, which V8 names otherwise, are
 * anonymous with esbuild's helper too); nothing the services run reads one
 * but koa's debug log of its middleware (`DEBUG=koa*`), which prints `-`.
 */
export function keepChangedNamesOnly(code: string): string {
  if (!code.includes(ESBUILD_NAME_HELPER)) throw new Error("esbuild's __name helper not found: a newer esbuild?");
  return code
    .replace(
      ESBUILD_NAME_HELPER,
      'var __name=target=>target,__setName=(target,value)=>__defProp(target,"name",{value,configurable:!0})',
    )
    .replace(/static\{\s*__name\(\s*this\s*,/g, 'static{__setName(this,')
    .replace(/__name\(\s*([A-Za-z_$][\w$]*)\s*,\s*"([^"]*)"\s*\)/g, (call, target: string, name: string) =>
      target === name ? call : `__setName(${target},"${name}")`,
    );
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
    const contents = file.path === out ? keepChangedNamesOnly(file.text) : file.contents;
    const temp = `${file.path}.${randomUUID()}.tmp`;
    writeFileSync(temp, contents);
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
