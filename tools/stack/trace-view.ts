/**
 * `npm run trace -- <order id | trace id>`: one trace of an observed stack
 * (`up --observe`) read from Zipkin's API and printed as a tree in the
 * terminal: each span's service (its sidecar's app id), name, start from the
 * trace's start, duration and error status, children under their parent. An
 * order id names its order's trace (the id without dashes,
 * packages/platform/src/trace.ts). The same trace in Zipkin's UI:
 * <zipkin>/zipkin/traces/<trace id>.
 *
 * Spans whose parent no sidecar recorded (a step an app started from outside:
 * placing the order, the owner's and the rider's steps) start a tree of their
 * own, in time order.
 */

import { zipkinUiUrl, zipkinUrl } from './env-instance.ts';

/** A span as Zipkin's API v2 gives it (times in microseconds; Zipkin keeps names in lower case). */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  timestamp?: number;
  duration?: number;
  localEndpoint?: { serviceName?: string };
  /** A sidecar's call to what records no spans (its state store, a binding): named by address. */
  remoteEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

/** Zipkin's API (v2) of the stack the environment names. */
export const zipkinApi = `${zipkinUrl}/api/v2`;

/** Where Zipkin's UI shows one trace. */
export const traceUiUrl = (traceId: string): string => `${zipkinUiUrl}traces/${traceId}`;

/** A trace id from a trace id or an order id (a uuid: its hex digits). */
export function traceIdFrom(id: string): string {
  const hex = id.trim().replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`'${id}' is neither a trace id (32 hex digits) nor an order id`);
  return hex;
}

/** The trace's spans as Zipkin has them now, or undefined while it has none. */
export async function fetchTrace(traceId: string): Promise<ZipkinSpan[] | undefined> {
  const res = await fetch(`${zipkinApi}/trace/${traceId}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${zipkinApi}/trace/${traceId}: ${res.status} ${await res.text()}`);
  const spans = (await res.json()) as ZipkinSpan[];
  return spans.length > 0 ? spans : undefined;
}

/** The service that recorded a span: the sidecar's Dapr app id. */
export const serviceOf = (span: ZipkinSpan): string => span.localEndpoint?.serviceName ?? '?';

/** Span names per service, each with its count. */
export function spansByService(spans: ZipkinSpan[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const span of spans) {
    const service = serviceOf(span);
    const names = out.get(service) ?? new Map<string, number>();
    const name = span.name ?? '';
    names.set(name, (names.get(name) ?? 0) + 1);
    out.set(service, names);
  }
  return out;
}

/** Zipkin's mark of a failed span is an `error` tag (daprd's exporter sets it from the span's status). */
const failed = (span: ZipkinSpan): boolean => span.tags?.error !== undefined;

/** The trace as indented lines: `+start ms  duration ms  service  name`, children under their parent. */
export function traceTree(spans: ZipkinSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.id));
  const children = new Map<string | undefined, ZipkinSpan[]>();
  for (const span of spans) {
    const key = span.parentId !== undefined && ids.has(span.parentId) ? span.parentId : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const start = (s: ZipkinSpan) => s.timestamp ?? 0;
  const t0 = Math.min(...spans.map(start));
  const ms = (us: number) => (us / 1000).toFixed(1).padStart(8);
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => start(a) - start(b))) {
      const mark = failed(span) ? '  ERROR' : '';
      lines.push(
        `+${ms(start(span) - t0)} ms ${ms(span.duration ?? 0)} ms  ${'  '.repeat(depth)}` +
          `${serviceOf(span)}  ${span.name ?? ''}${mark}`,
      );
      walk(span.id, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

async function main(args: string[]): Promise<void> {
  const id = args[0];
  if (!id || id.startsWith('-')) {
    process.stderr.write('usage: npm run trace -- <order id | trace id>\n');
    process.exit(2);
  }
  const traceId = traceIdFrom(id);
  const spans = await fetchTrace(traceId);
  if (!spans) {
    process.stderr.write(`no trace ${traceId} in ${zipkinApi} (is the stack up with --observe?)\n`);
    process.exit(1);
  }
  const perService = [...spansByService(spans)]
    .map(([service, names]) => `${service} ${[...names.values()].reduce((a, b) => a + b, 0)}`)
    .join(', ');
  process.stdout.write(`trace ${traceId}: ${spans.length} spans (${perService}); ${traceUiUrl(traceId)}\n`);
  process.stdout.write(`${traceTree(spans).join('\n')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
