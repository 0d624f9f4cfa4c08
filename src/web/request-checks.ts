// The web app's checks on every request, as plain functions (table-tested in test/unit/web-checks.test.ts):
// the Host header (against DNS rebinding), and Origin on requests that change something (against
// other sites' pages in the same browser). The CSRF token is checked by the server with WebAuth.

/** Methods that change nothing: no Origin or CSRF token needed. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The Host values that name this server: its loopback addresses with the port it listens on. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/**
 * Why a Host header is refused, or undefined. A page of another site whose name an attacker made
 * resolve to 127.0.0.1 (DNS rebinding) sends that name as Host: only our own addresses pass.
 */
export function hostRefusal(host: string | undefined, allowed: Set<string>): string | undefined {
  if (host === undefined || host === '') return 'a Host header is required';
  if (!allowed.has(host.toLowerCase())) return `Host ${JSON.stringify(host.slice(0, 100))} is not this web app's address`;
  return undefined;
}

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/**
 * Why a request that changes something is refused on its origin, or undefined. The browser must say
 * where the request comes from: `Origin` equal to this server's own origin, and, when it sends
 * `Sec-Fetch-Site`, `same-origin`. A missing Origin is refused too (every browser sends one with a
 * POST from a page).
 */
export function originRefusal(
  headers: { origin?: string | undefined; secFetchSite?: string | undefined },
  host: string,
): string | undefined {
  if (headers.secFetchSite !== undefined && headers.secFetchSite !== 'same-origin') {
    return `a ${headers.secFetchSite} request cannot change anything here`;
  }
  if (headers.origin === undefined) return 'an Origin header is required';
  if (headers.origin !== `http://${host}`) return `Origin ${JSON.stringify(headers.origin.slice(0, 100))} is not this web app`;
  return undefined;
}

/**
 * Sent with every answer. The page loads only its own script and style sheet, talks only to its own
 * origin, cannot be framed, and runs no inline script: a text that slipped into the page as HTML
 * could still not run.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};
