/**
 * `npm run trace -- <order id | trace id>`: one trace of an observed stack
 * (`up --observe`) read from Jaeger's query API and printed as a tree in the
 * terminal: each span's service (its sidecar's app id), name, start from the
 * trace's start, duration and error status, children under their parent. An
 * order id names its order's trace (the id without dashes,
 * packages/platform/src/trace.ts).
 *
 * Spans whose parent no sidecar recorded (a step an app started from outside:
 * placing the order, the owner's and the rider's steps) start a tree of their
 * own, in time order.
 */

import { jaegerUrl } from './env-instance.ts';

export interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  startTime: number;
  duration: number;
  references?: { refType: string; spanID: string }[];
  tags?: { key: string; value: unknown }[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** The query API of the Jaeger of the stack the environment names (its UI port). */
export const jaegerApi = `${jaegerUrl}/api`;

/** A trace id from a trace id or an order id (a uuid: its hex digits). */
export function traceIdFrom(id: string): string {
  const hex = id.trim().replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`'${id}' is neither a trace id (32 hex digits) nor an order id`);
  return hex;
}

/** The trace as Jaeger has it now, or undefined while it has none. */
export async function fetchTrace(traceId: string): Promise<JaegerTrace | undefined> {
  const res = await fetch(`${jaegerApi}/traces/${traceId}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${jaegerApi}/traces/${traceId}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: JaegerTrace[] }).data[0];
}

export const serviceOf = (trace: JaegerTrace, span: JaegerSpan): string =>
  trace.processes[span.processID]?.serviceName ?? '?';

/** Span names per service, each with its count. */
export function spansByService(trace: JaegerTrace): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const span of trace.spans) {
    const service = serviceOf(trace, span);
    const names = out.get(service) ?? new Map<string, number>();
    names.set(span.operationName, (names.get(span.operationName) ?? 0) + 1);
    out.set(service, names);
  }
  return out;
}

const failed = (span: JaegerSpan): boolean =>
  (span.tags ?? []).some(
    (t) => (t.key === 'error' && t.value === true) || (t.key === 'otel.status_code' && t.value === 'ERROR'),
  );

/** The trace as indented lines: `+start ms  duration ms  service  name`, children under their parent. */
export function traceTree(trace: JaegerTrace): string[] {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const parentOf = (s: JaegerSpan) => s.references?.find((r) => r.refType === 'CHILD_OF')?.spanID;
  const children = new Map<string | undefined, JaegerSpan[]>();
  for (const span of trace.spans) {
    const parent = parentOf(span);
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const t0 = Math.min(...trace.spans.map((s) => s.startTime));
  const ms = (us: number) => (us / 1000).toFixed(1).padStart(8);
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.startTime - b.startTime)) {
      const mark = failed(span) ? '  ERROR' : '';
      lines.push(
        `+${ms(span.startTime - t0)} ms ${ms(span.duration)} ms  ${'  '.repeat(depth)}` +
          `${serviceOf(trace, span)}  ${span.operationName}${mark}`,
      );
      walk(span.spanID, depth + 1);
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
  const trace = await fetchTrace(traceId);
  if (!trace) {
    process.stderr.write(`no trace ${traceId} in ${jaegerApi} (is the stack up with --observe?)\n`);
    process.exit(1);
  }
  const perService = [...spansByService(trace)]
    .map(([service, names]) => `${service} ${[...names.values()].reduce((a, b) => a + b, 0)}`)
    .join(', ');
  process.stdout.write(`trace ${traceId}: ${trace.spans.length} spans (${perService})\n`);
  process.stdout.write(`${traceTree(trace).join('\n')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
