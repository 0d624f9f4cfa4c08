// A small HTTP client for the web app in tests, on node:http so that a test can send any Host,
// Origin or Cookie header, as an attacker's page or a rebinding DNS name would.
import { request } from 'node:http';
import type { TestDaemon } from './daemon.js';

export interface WebResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function webRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<WebResponse> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A fresh one-time login link from the daemon (what `p2pchat web` prints). */
export async function loginUrl(daemon: TestDaemon): Promise<string> {
  return (await daemon.json<{ url: string }>(['web', '--no-open'])).url;
}

/** Logs in like a browser: the login link, then the session cookie and the CSRF token the app would use. */
export async function webSession(daemon: TestDaemon): Promise<{ origin: string; cookie: string; csrf: string }> {
  const url = await loginUrl(daemon);
  const origin = new URL(url).origin;
  const login = await webRequest(url);
  if (login.status !== 302) throw new Error(`login answered ${login.status}: ${login.body}`);
  const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
  const session = await webRequest(`${origin}/api/session`, { headers: { cookie } });
  return { origin, cookie, csrf: (JSON.parse(session.body) as { csrfToken: string }).csrfToken };
}
