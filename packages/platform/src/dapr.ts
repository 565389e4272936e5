/**
 * The sidecar's HTTP API, called with Node's fetch (undici keeps connections
 * alive). We use it rather than @dapr/dapr's DaprClient because callers need
 * the invoked app's status code and headers (409, 503 + Retry-After, problem
 * bodies) and per-call headers such as idempotency keys; the SDK's DaprServer
 * only serves Express, and Koa serves subscriptions here (see subscriptions.ts).
 */
import type { CommonConfig } from './config.ts';

export interface InvokeResult {
  status: number;
  headers: Headers;
  body: unknown;
}

export class SidecarUnavailableError extends Error {}

export class DaprSidecar {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(cfg: CommonConfig['dapr']) {
    this.baseUrl = `http://${cfg.host}:${cfg.httpPort}`;
    this.headers = cfg.apiToken ? { 'dapr-api-token': cfg.apiToken } : {};
  }

  private async call(path: string, init: RequestInit & { timeoutMs?: number }): Promise<Response> {
    const { timeoutMs = 10_000, ...rest } = init;
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        ...rest,
        headers: { ...this.headers, ...(rest.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new SidecarUnavailableError(`sidecar call ${path} failed: ${(e as Error).message}`);
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
    const text = await res.text();
    let body: unknown = text;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) {
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
      throw new SidecarUnavailableError(`publish to ${topic} failed: ${res.status} ${await res.text()}`);
    }
  }

  async getState<T>(store: string, key: string): Promise<{ value: T; etag: string } | null> {
    const res = await this.call(`/v1.0/state/${store}/${encodeURIComponent(key)}`, { method: 'GET' });
    if (res.status === 204) return null;
    if (res.status !== 200) throw new SidecarUnavailableError(`state get failed: ${res.status}`);
    return { value: (await res.json()) as T, etag: res.headers.get('etag') ?? '' };
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
    throw new SidecarUnavailableError(`state save failed: ${res.status} ${await res.text()}`);
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
