/**
 * The sidecar's HTTP API, called with undici's request API over one keep-alive
 * connection pool. We use it rather than @dapr/dapr's DaprClient because callers
 * need the invoked app's status code and headers (409, 503 + Retry-After,
 * problem bodies) and per-call headers such as idempotency keys; the SDK's
 * DaprServer only serves Express, and Koa serves subscriptions here (see
 * subscriptions.ts). Not Node's global fetch: it is the same undici underneath
 * but builds WHATWG Request/Response/stream objects for every call, about 85 µs
 * of CPU per call against 30 µs for `Pool.request` (measured on this machine),
 * and every order and every status-view read makes such calls.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';
import type { CommonConfig } from './config.ts';
import { traceHeaders } from './trace.ts';

export interface InvokeResult {
  status: number;
  /** Lower-case names, as Node gives them. */
  headers: IncomingHttpHeaders;
  body: unknown;
}

interface SidecarAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

interface CallInit {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

export class SidecarUnavailableError extends Error {}

/** The sidecar has no bulk publish API (404/405). */
export class BulkPublishUnsupportedError extends SidecarUnavailableError {}

export class DaprSidecar {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly pool: Pool;

  constructor(cfg: Pick<CommonConfig['dapr'], 'host' | 'httpPort' | 'apiToken'>) {
    this.baseUrl = `http://${cfg.host}:${cfg.httpPort}`;
    this.headers = cfg.apiToken ? { 'dapr-api-token': cfg.apiToken } : {};
    this.pool = new Pool(this.baseUrl, { connections: 128 });
  }

  /**
   * One request to the sidecar, its body read in full within `timeoutMs`, in
   * the trace of the work in hand (trace.ts: the sidecar records its span
   * there and hands the context on to the app or the event it reaches). The
   * timer is cleared when the answer is in (AbortSignal.timeout would fire
   * later for every call, long after it finished, and build an error each time).
   */
  private async call(path: string, init: CallInit): Promise<SidecarAnswer> {
    const { timeoutMs = 10_000, method, headers, body } = init;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      timeoutMs,
    );
    try {
      const res = await this.pool.request({
        path,
        method: method as Method,
        headers: { ...this.headers, ...traceHeaders(), ...headers },
        ...(body === undefined ? {} : { body }),
        signal: controller.signal,
      });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    } catch (e) {
      throw new SidecarUnavailableError(`sidecar call ${path} failed: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Service invocation through the sidecar; resiliency policies of the target apply. */
  async invoke(
    appId: string,
    method: string,
    opts: { httpMethod?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<InvokeResult> {
    const res = await this.call(`/v1.0/invoke/${appId}/method/${method.replace(/^\//, '')}`, {
      method: opts.httpMethod ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers: { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    const text = res.text;
    let body: unknown = text;
    if (text && header(res.headers, 'content-type').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, headers: res.headers, body };
  }

  /**
   * Publishes a CloudEvent we build ourselves, so the event id on the wire is
   * our event id (consumers deduplicate on it) and the type is our event type.
   */
  async publish(
    pubsub: string,
    topic: string,
    cloudEvent: Record<string, unknown>,
    metadata: Record<string, string> = {},
  ): Promise<void> {
    const qs = new URLSearchParams(Object.entries(metadata).map(([k, v]) => [`metadata.${k}`, v])).toString();
    const res = await this.call(`/v1.0/publish/${pubsub}/${topic}${qs ? `?${qs}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(cloudEvent),
    });
    if (res.status !== 204 && res.status !== 200) {
      throw new SidecarUnavailableError(`publish to ${topic} failed: ${res.status} ${res.text}`);
    }
  }

  /**
   * Publishes several CloudEvents to one topic in one sidecar call (the bulk
   * publish API). Each entry keeps its own metadata (partition key). Returns the
   * entries that were not published (entry id → the sidecar's error); throws
   * when the sidecar could not be reached or refused the whole request.
   */
  async publishBulk(
    pubsub: string,
    topic: string,
    entries: { entryId: string; event: Record<string, unknown>; metadata?: Record<string, string> }[],
  ): Promise<Map<string, string>> {
    const res = await this.call(`/v1.0-alpha1/publish/bulk/${pubsub}/${topic}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        entries.map((e) => ({
          entryId: e.entryId,
          event: e.event,
          contentType: 'application/cloudevents+json',
          ...(e.metadata ? { metadata: e.metadata } : {}),
        })),
      ),
    });
    if (res.status === 204 || res.status === 200) return new Map();
    const text = res.text;
    if (res.status === 404 || res.status === 405) {
      throw new BulkPublishUnsupportedError(`bulk publish to ${topic}: ${res.status} ${text.slice(0, 200)}`);
    }
    let failed: { entryId?: unknown; error?: unknown }[] | undefined;
    try {
      failed = (JSON.parse(text) as { failedEntries?: { entryId?: unknown; error?: unknown }[] }).failedEntries;
    } catch {
      failed = undefined;
    }
    if (!Array.isArray(failed) || failed.length === 0) {
      throw new SidecarUnavailableError(`bulk publish to ${topic} failed: ${res.status} ${text.slice(0, 500)}`);
    }
    return new Map(failed.map((f) => [String(f.entryId), `${res.status} ${String(f.error ?? 'not published')}`]));
  }

  async getState<T>(store: string, key: string): Promise<{ value: T; etag: string } | null> {
    const res = await this.call(`/v1.0/state/${store}/${encodeURIComponent(key)}`, { method: 'GET' });
    if (res.status === 204) return null;
    if (res.status !== 200) throw new SidecarUnavailableError(`state get failed: ${res.status}`);
    return { value: JSON.parse(res.text) as T, etag: header(res.headers, 'etag') };
  }

  /** POST /v1.0/state/{store}/bulk: many keys in one call, each with its etag. */
  async getBulkState<T>(
    store: string,
    keys: string[],
    parallelism = 16,
  ): Promise<{ key: string; data?: T; etag?: string; error?: string }[]> {
    const res = await this.call(`/v1.0/state/${store}/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keys, parallelism }),
    });
    if (res.status !== 200) throw new SidecarUnavailableError(`state bulk get failed: ${res.status}`);
    return JSON.parse(res.text) as { key: string; data?: T; etag?: string; error?: string }[];
  }

  /** Saves with first-write-wins concurrency when an etag is given; returns false on an etag conflict. */
  async saveState(store: string, items: { key: string; value: unknown; etag?: string }[]): Promise<boolean> {
    const body = items.map((i) => ({
      key: i.key,
      value: i.value,
      ...(i.etag !== undefined ? { etag: i.etag, options: { concurrency: 'first-write' } } : {}),
    }));
    const res = await this.call(`/v1.0/state/${store}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status === 204 || res.status === 200) return true;
    if (res.status === 409) return false;
    throw new SidecarUnavailableError(`state save failed: ${res.status} ${res.text}`);
  }

  async invokeBinding(name: string, operation: string, data: unknown, metadata: Record<string, string> = {}) {
    const res = await this.call(`/v1.0/bindings/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation, data, metadata }),
    });
    if (res.status >= 300) throw new SidecarUnavailableError(`binding ${name} failed: ${res.status}`);
  }

  /** True when the sidecar is up and its components are initialised. */
  async healthy(): Promise<boolean> {
    try {
      const res = await this.call('/v1.0/healthz/outbound', { method: 'GET', timeoutMs: 1000 });
      return res.status === 204 || res.status === 200;
    } catch {
      return false;
    }
  }
}
