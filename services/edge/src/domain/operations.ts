/**
 * The methods the OpenAPI document lists for a concrete request path. The edge
 * proxies by path prefix and leaves methods to the services, which answer 405
 * for one they do not route; only where the edge answers itself before the
 * service (a body on a bodiless method) does it need to know, so that an
 * undocumented method is a 405 there too, not a 400.
 */
export type MethodsOf = (path: string) => string[] | undefined;

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

export function documentedMethods(paths: Record<string, Record<string, unknown>>): MethodsOf {
  const templates = Object.entries(paths).map(([template, ops]) => ({
    // `{orderId}` stands for one path segment.
    pattern: new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map(escape)
        .join('[^/]+')}$`,
    ),
    methods: Object.keys(ops).map((m) => m.toUpperCase()),
  }));
  return (path) => {
    const matched = templates.filter((t) => t.pattern.test(path));
    return matched.length ? [...new Set(matched.flatMap((t) => t.methods))].sort() : undefined;
  };
}
