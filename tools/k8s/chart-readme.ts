/**
 * `node tools/k8s/chart-readme.ts [--check]`: the parameter table of
 * charts/baedal/README.md, generated from the `## @section` and `## @param`
 * comments of charts/baedal/values.yaml (names, descriptions, defaults), between
 * the markers `<!-- parameters:start -->` and `<!-- parameters:end -->`.
 * --check exits 1 when the README's table is stale, and also when a value in
 * values.yaml has no `## @param` line (or a `## @param` names no value).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url).pathname;
const valuesPath = `${root}charts/baedal/values.yaml`;
const readmePath = `${root}charts/baedal/README.md`;
const start = '<!-- parameters:start -->';
const end = '<!-- parameters:end -->';

const valuesText = readFileSync(valuesPath, 'utf8');
const values = parse(valuesText) as Record<string, unknown>;

function lookup(path: string): { found: boolean; value: unknown } {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !(key in node)) return { found: false, value: undefined };
    node = (node as Record<string, unknown>)[key];
  }
  return { found: true, value: node };
}

/** Every leaf path of values.yaml; maps and lists documented as a whole count as leaves. */
function leaves(node: unknown, prefix: string, documented: Set<string>, out: string[]): void {
  if (documented.has(prefix) || node === null || typeof node !== 'object' || Array.isArray(node)) {
    if (prefix) out.push(prefix);
    return;
  }
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 0 && prefix) out.push(prefix);
  for (const [k, v] of entries) leaves(v, prefix ? `${prefix}.${k}` : k, documented, out);
}

const cell = (s: string) => s.replace(/\|/g, '\\|');
function show(value: unknown): string {
  if (value === '') return '`""`';
  const json = JSON.stringify(value);
  return `\`${json.length > 60 ? `${json.slice(0, 57)}...` : json}\``;
}

const sections: { title: string; rows: string[] }[] = [];
const documented = new Set<string>();
const problems: string[] = [];
for (const line of valuesText.split('\n')) {
  const section = /^\s*## @section (.+)$/.exec(line);
  if (section?.[1]) sections.push({ title: section[1], rows: [] });
  const param = /^\s*## @param (\S+) ?(.*)$/.exec(line);
  if (param?.[1]) {
    const [, name, description = ''] = param;
    const { found, value } = lookup(name);
    if (!found) problems.push(`## @param ${name}: values.yaml has no such value`);
    documented.add(name);
    if (!sections.length) sections.push({ title: 'Parameters', rows: [] });
    sections[sections.length - 1]?.rows.push(`| \`${name}\` | ${cell(description)} | ${cell(show(value))} |`);
  }
}
const all: string[] = [];
leaves(values, '', documented, all);
for (const path of all) {
  if (!documented.has(path) && ![...documented].some((d) => path.startsWith(`${d}.`))) {
    problems.push(`${path}: no ## @param line in values.yaml`);
  }
}

const table = sections
  .filter((s) => s.rows.length)
  .map(
    (s) =>
      `### ${s.title}\n\n| Name | Description | Default |\n| ---- | ----------- | ------- |\n${s.rows.join('\n')}\n`,
  )
  .join('\n');

const readme = readFileSync(readmePath, 'utf8');
const from = readme.indexOf(start);
const to = readme.indexOf(end);
if (from < 0 || to < from) {
  console.error(`[chart-readme] ${readmePath} lacks the markers ${start} ... ${end}`);
  process.exit(1);
}
// Formatted as `prettier --write` would, so that the check and the formatter agree.
const next = await format(`${readme.slice(0, from + start.length)}\n\n${table}\n${readme.slice(to)}`, {
  ...((await resolveConfig(readmePath)) ?? {}),
  filepath: readmePath,
});

if (process.argv.includes('--check')) {
  if (next !== readme)
    problems.push('the parameter table of charts/baedal/README.md is stale: run node tools/k8s/chart-readme.ts');
  if (problems.length) {
    console.error(`[chart-readme]\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }
  console.error(`[chart-readme] ${documented.size} parameters documented; the README's table is up to date`);
} else {
  writeFileSync(readmePath, next);
  if (problems.length) console.error(`[chart-readme] warning:\n  - ${problems.join('\n  - ')}`);
  console.error(`[chart-readme] wrote ${documented.size} parameters into charts/baedal/README.md`);
}
