/** The API client: JSON to and from this origin, problems (RFC 9457) as ApiError. */
import type { ProblemDocument } from '@baedal/platform/problem';
import { session } from './session.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Partial<ProblemDocument> | null;
  /** Seconds, from the Retry-After header of a 429 or 503. */
  readonly retryAfter: string | null;

  constructor(status: number, problem: Partial<ProblemDocument> | null, retryAfter: string | null) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

/** Called when the server no longer accepts the session's token. */
let onSessionEnded: () => void = () => undefined;
export function whenSessionEnds(handler: () => void): void {
  onSessionEnded = handler;
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const token = session.current?.token;
  const res = await fetch(path, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text };
  }
  if (res.status === 401 && token) onSessionEnded();
  if (!res.ok) throw new ApiError(res.status, data as Partial<ProblemDocument>, res.headers.get('Retry-After'));
  return data as T;
}

/** One line for a person: the problem's title and detail, its field errors, and when to try again. */
export function describe(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  const p = e.problem ?? {};
  const fields = (p.errors ?? []).map((f) => `${f.path}: ${f.message}`).join('; ');
  const wait = e.retryAfter ? ` Try again in ${e.retryAfter} s.` : '';
  return `${p.title ?? `HTTP ${e.status}`}: ${p.detail ?? ''}${fields ? ` (${fields})` : ''}${wait}`;
}
