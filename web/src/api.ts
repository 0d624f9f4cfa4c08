// The daemon API as the web server offers it under /api: the same routes as the control socket.
// Every change carries the session's CSRF token; the session cookie itself is HttpOnly.

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What to tell the user about a failed call: the daemon's own words, or that it could not be reached. */
export function errorText(err: unknown): string {
  return err instanceof ApiFailure ? err.message : 'the daemon could not be reached';
}

let csrfToken: string | undefined;
let onLoggedOut: () => void = () => {};

/** Called when the server says the session is gone (401): the app shows how to log in again. */
export function whenLoggedOut(callback: () => void): void {
  onLoggedOut = callback;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken ?? (await loadSession());
  const res = await fetch(`/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = (parsed ?? {}) as { error?: string; message?: string };
    if (res.status === 401) onLoggedOut();
    throw new ApiFailure(res.status, err.error ?? `http_${res.status}`, err.message ?? `the daemon answered ${res.status}`);
  }
  return parsed as T;
}

/** Reads the session's CSRF token (also a check that the session is alive). */
export async function loadSession(): Promise<string> {
  const session = await call<{ csrfToken: string }>('GET', '/session');
  csrfToken = session.csrfToken;
  return csrfToken;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => call<T>('POST', path, body);
