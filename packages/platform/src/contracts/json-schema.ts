/**
 * What the OpenAPI and the AsyncAPI documents do to the JSON Schemas zod
 * writes (z.toJSONSchema), once: drop the noise, and order keys so that a
 * document is the same whatever built it (the committed copies are compared).
 */
export type JsonSchema = Record<string, unknown>;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Drops what zod adds that only adds noise here: $schema/$id and safe-integer
 * bounds. A pattern beside a format stays: it is the stricter rule zod applies
 * (z.uuid() takes only RFC 9562 versions and variants, not every 8-4-4-4-12 hex).
 */
export function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node as JsonSchema)) {
    if (k === '$schema' || k === '$id') continue;
    if ((k === 'minimum' && v === -MAX_SAFE) || (k === 'maximum' && v === MAX_SAFE)) continue;
    out[k] = tidy(v);
  }
  return out;
}

/** Sorts object keys recursively (arrays keep their order). */
export function sortKeys(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(sortKeys);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.keys(node)
      .sort()
      .map((k) => [k, sortKeys((node as JsonSchema)[k])]),
  );
}
