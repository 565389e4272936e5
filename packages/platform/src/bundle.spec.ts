/**
 * The service bundle (bundle.ts) built for real by esbuild, from a small
 * service in a temporary folder: what the process runs must keep class names
 * (MikroORM finds its Migrator extension and its EntitySchema by name) without
 * setting names again at every call, stay ASCII (V8 holds a source with one
 * wider character at two bytes per character) and reach CommonJS code that
 * calls require().
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundlePath, bundleService, ESBUILD_NAME_HELPER, keepChangedNamesOnly } from './bundle.ts';

function serviceFolder(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'bundle-spec-'));
  mkdirSync(path.join(root, 'svc', 'src'), { recursive: true });
  const file = (name: string, text: string) => writeFileSync(path.join(root, 'svc', 'src', name), text);
  // Two modules whose classes share a name: the bundle must rename one of them.
  file('a.ts', 'export class Migrator { kind = "a"; }\n');
  file('b.ts', 'export class Migrator { kind = "b"; }\n');
  // CommonJS, as mysql2 or undici are, requiring a built-in.
  file(
    'legacy.cjs',
    '/*! legacy 1.0 | (c) Jürgen */\nconst os = require("node:os");\nmodule.exports = () => os.EOL;\n',
  );
  file(
    'index.ts',
    [
      "import { Migrator as A } from './a.ts';",
      "import { Migrator as B } from './b.ts';",
      "import eol from './legacy.cjs';",
      'export const names = [A.name, B.name, new B().kind];',
      'export function outer() { function inner() {} const arrow = () => 1; return [inner.name, arrow.name]; }',
      "export const greeting = 'Grüße, ' + JSON.stringify(eol());",
    ].join('\n'),
  );
  return root;
}

describe('service bundle', () => {
  it('keeps class names, is ASCII with the licence comments beside it, and runs CommonJS', async () => {
    const root = serviceFolder();
    try {
      const out = await bundleService('svc', root);
      expect(out).toBe(bundlePath('svc', root));
      const text = readFileSync(out, 'latin1');
      expect([...text].filter((c) => c.charCodeAt(0) > 127)).toEqual([]);
      expect(readFileSync(`${out}.LEGAL.txt`, 'utf8')).toContain('Jürgen');
      const mod = (await import(pathToFileURL(out).href)) as {
        names: string[];
        greeting: string;
        outer: () => string[];
      };
      expect(mod.names).toEqual(['Migrator', 'Migrator', 'b']);
      // A function declared inside another keeps its own name without a call each time
      // (an arrow function esbuild wrapped to name it does not: bundle.ts says why).
      expect(mod.outer()).toEqual(['inner', '']);
      expect(text).toContain('var __name=target=>target,');
      expect(mod.greeting).toBe('Grüße, "\\n"');
      // Written by rename: no temporary file is left beside it.
      expect(readdirSync(path.dirname(out)).sort()).toEqual(['index.mjs', 'index.mjs.LEGAL.txt']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('sets the names bundling changed, also where a line break splits the call, and no others', () => {
    const out = keepChangedNamesOnly(
      `${ESBUILD_NAME_HELPER};var A=class _A{static{\n__name(this,"A")}};function f2(){}__name(\nf2,\n"f");` +
        'function g(){function h(){}__name(h,"h")}__name(g,"g");',
    );
    expect(out).toContain('var __name=target=>target,__setName=');
    expect(out).toContain('static{__setName(this,"A")}');
    expect(out).toContain('__setName(f2,"f")');
    expect(out).toContain('__name(h,"h")');
    expect(out).toContain('__name(g,"g")');
  });

  it('refuses output whose name helper esbuild wrote otherwise', () => {
    expect(() => keepChangedNamesOnly('var __name=(a,b)=>Object.defineProperty(a,"name",{value:b});')).toThrow(
      /__name helper not found/,
    );
  });
});
