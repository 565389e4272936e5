/**
 * W3C trace context (`traceparent`) of the work in hand, so that one order is
 * one trace across every service. The apps record no spans themselves: the
 * sidecars do, for every call an app makes through them and every event they
 * deliver. What an app must do is hand on the context it works in:
 *
 * - a request from its own sidecar (an invocation, an event delivery: the
 *   sidecar-only routes, whose app API token was checked) carries the
 *   sidecar's span in `traceparent`; every sidecar call made while handling
 *   it (invoke, publish, state, bindings) sends that header on (dapr.ts), and
 *   every outbox row written keeps it, so the relay publishes the event in
 *   the same trace (outbox.ts);
 * - a request from outside (the edge, the Ingress) brings no context this
 *   service trusts (a client could force sampling or write into any trace).
 *   With TRACE_SAMPLING_RATE set, the service starts one: a command on an
 *   order joins the order's trace, whose id is the order id without its
 *   dashes (`joinOrderTrace`), anything else gets a trace of its own. The
 *   sampled flag follows the rate, decided from the trace id the way the
 *   sidecar's own sampler decides (OpenTelemetry's TraceIDRatioBased), so
 *   every step of one order is sampled, or none. The sidecars respect it
 *   (their sampler is parent-based). Unset, no context is started and the
 *   sidecars start their own (as when tracing is off).
 *
 * Log lines written meanwhile carry the trace id (logger.ts), the way from a
 * trace to its log lines and back.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import { isSidecarPath } from './app-token.ts';

interface TraceState {
  /** The `traceparent` header the request came with, used once the request is known to be the sidecar's. */
  incoming: string | undefined;
  incomingState: string | undefined;
  /** TRACE_SAMPLING_RATE; undefined: start no context. */
  samplingRate: number | undefined;
  /** The context in use, decided at its first use. */
  traceparent: string | undefined;
  tracestate: string | undefined;
  /** Whether `traceparent` is the sidecar's (then nothing replaces it). */
  fromSidecar: boolean;
}

const storage = new AsyncLocalStorage<TraceState>();

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceParent {
  traceId: string;
  parentId: string;
  sampled: boolean;
}

/** A version-00 `traceparent`, or null when it is malformed (or names the invalid all-zero ids). */
export function parseTraceparent(value: string | undefined | null): TraceParent | null {
  const m = TRACEPARENT.exec(value?.trim() ?? '');
  if (!m?.[1] || !m[2] || !m[3] || m[1] === ZERO_TRACE || m[2] === ZERO_SPAN) return null;
  return { traceId: m[1], parentId: m[2], sampled: (Number.parseInt(m[3], 16) & 1) === 1 };
}

/** The trace id of a `traceparent`, or undefined. */
export function traceIdOf(traceparent: string | undefined | null): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}

/**
 * Whether a trace is sampled at `rate`: OpenTelemetry's TraceIDRatioBased
 * (the sidecars' sampler): the last 8 bytes of the id, shifted right by one,
 * below rate × 2^63. A function of the trace id, so every step of an order
 * decides alike.
 */
export function sampledAt(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (!(rate > 0)) return false;
  const x = BigInt(`0x${traceId.slice(16, 32)}`) >> 1n;
  return x < BigInt(Math.floor(rate * 2 ** 63));
}

/** The trace of an order: its id without the dashes (a uuid is 32 hex digits, as a trace id is). */
export function orderTraceId(orderId: string): string | undefined {
  const hex = orderId.replaceAll('-', '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) && hex !== ZERO_TRACE ? hex : undefined;
}

/** A new `traceparent` in trace `traceId`: a fresh parent id, sampled as `rate` decides. */
export function startTrace(traceId: string, rate: number): string {
  let parentId = randomBytes(8).toString('hex');
  while (parentId === ZERO_SPAN) parentId = randomBytes(8).toString('hex');
  return `00-${traceId}-${parentId}-${sampledAt(traceId, rate) ? '01' : '00'}`;
}

function newTraceId(): string {
  for (;;) {
    const id = randomBytes(16).toString('hex');
    if (id !== ZERO_TRACE) return id;
  }
}

/** The context of the current request (started now when none is yet), or undefined. */
function resolve(state: TraceState): string | undefined {
  if (state.traceparent === undefined && state.samplingRate !== undefined) {
    state.traceparent = startTrace(newTraceId(), state.samplingRate);
  }
  return state.traceparent;
}

/** The `traceparent` of the work in hand, or undefined when there is none. */
export function currentTraceparent(): string | undefined {
  const state = storage.getStore();
  return state ? resolve(state) : undefined;
}

/** Headers for a sidecar call made now: `traceparent` (and the sidecar's `tracestate`), or none. */
export function traceHeaders(): Record<string, string> {
  const state = storage.getStore();
  const traceparent = state ? resolve(state) : undefined;
  if (!state || traceparent === undefined) return {};
  return state.tracestate ? { traceparent, tracestate: state.tracestate } : { traceparent };
}

/** Fields for every log line: the trace id of the work in hand, when there is one. */
export function traceLogFields(): { traceId?: string } {
  const traceId = traceIdOf(currentTraceparent());
  return traceId ? { traceId } : {};
}

/**
 * Continue the order's trace for the rest of this request: a command on an
 * order from outside (placing it, an owner's or a rider's action, the
 * customer's confirmation). A request from the sidecar keeps its own context,
 * which is already in the order's trace when the step before it was.
 */
export function joinOrderTrace(orderId: string): void {
  const state = storage.getStore();
  const traceId = orderTraceId(orderId);
  if (!state || state.fromSidecar || state.samplingRate === undefined || traceId === undefined) return;
  if (traceIdOf(state.traceparent) === traceId) return;
  state.traceparent = startTrace(traceId, state.samplingRate);
  state.tracestate = undefined;
}

/** Runs `fn` outside any request's context (work a request only woke up, as the relay's pass). */
export function untraced<T>(fn: () => T): T {
  return storage.exit(fn);
}

/**
 * Runs `fn` in the given context (an outbox row's), or in none: the relay
 * publishes each event in the trace of the transaction that wrote it, never
 * in that of the request that happened to wake the relay.
 */
export function inTrace<T>(traceparent: string | null | undefined, fn: () => T): T {
  if (!parseTraceparent(traceparent)) return storage.exit(fn);
  const state: TraceState = {
    incoming: undefined,
    incomingState: undefined,
    samplingRate: undefined,
    traceparent: traceparent ?? undefined,
    tracestate: undefined,
    fromSidecar: true,
  };
  return storage.run(state, fn);
}

/**
 * The first middleware: a request's trace state, kept for everything it
 * awaits. `samplingRate` undefined starts no context of its own.
 */
export function traceContextMiddleware(samplingRate: number | undefined): Middleware {
  return (ctx, next) => {
    const incoming = ctx.get('traceparent') || undefined;
    const state: TraceState = {
      incoming,
      incomingState: ctx.get('tracestate') || undefined,
      samplingRate,
      traceparent: undefined,
      tracestate: undefined,
      fromSidecar: false,
    };
    return storage.run(state, next);
  };
}

/**
 * After the app API token check (app-token.ts): a request to a sidecar-only
 * route that got this far is the sidecar's, and so is its `traceparent`.
 */
export const sidecarTraceMiddleware: Middleware = (ctx, next) => {
  const state = storage.getStore();
  if (state && isSidecarPath(ctx.path) && parseTraceparent(state.incoming)) {
    state.traceparent = state.incoming?.trim();
    state.tracestate = state.incomingState;
    state.fromSidecar = true;
  }
  return next();
};
