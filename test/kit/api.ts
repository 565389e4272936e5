/**
 * The HTTP client of the public API as the tests, the load tests and the bench
 * use it: JSON in and out, a bearer token when given, and the local demo login.
 */
import type { LoginResponse } from '@baedal/platform/contracts/api';
import { DEMO_PASSWORD } from '@baedal/platform/contracts/demo';

/** The entry point of the stack under test: BAEDAL_URL, else the edge on GATEWAY_PORT (or PORT, or 8080). */
export const defaultBaseUrl =
  process.env.BAEDAL_URL ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? process.env.PORT ?? 8080}`;

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  /** The JSON answer; the text when it is not JSON; undefined when empty. */
  body: T;
}

export interface CallOptions {
  token?: string;
  /** Sent as JSON; a string is sent as it is (a test's malformed body). */
  body?: unknown;
  headers?: Record<string, string>;
}

export async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

/** Logs a demo account in through the entry point; throws unless that succeeds. */
export async function login(base: string, username: string, password = DEMO_PASSWORD): Promise<LoginResponse> {
  const r = await call<LoginResponse>(base, 'POST', '/api/auth/login', { body: { username, password } });
  if (r.status !== 200) throw new Error(`login as ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
