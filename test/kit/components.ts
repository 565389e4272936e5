/**
 * Settings of the Dapr resources in components/, read as the sidecars read
 * them, for the tests whose bounds follow from those settings (a retry window,
 * a redelivery time) rather than a number written twice.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A file of components/, parsed. */
export function readComponent(file: string): unknown {
  return parse(readFileSync(new URL(`../../components/${file}`, import.meta.url), 'utf8')) as unknown;
}

/** One metadata value of a component (`spec.metadata[].value`), or undefined. */
export function componentSetting(file: string, name: string): string | undefined {
  const c = readComponent(file) as { spec: { metadata: { name: string; value: string }[] } };
  return c.spec.metadata.find((m) => m.name === name)?.value;
}

/** Go duration strings as the components use them: 250ms, 2s, 1m, 1m30s. */
export function durationMs(text: string | number): number {
  if (typeof text === 'number') return text;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text.trim();
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`not a duration: ${text}`);
    total += Number(m[1]) * (units[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}
