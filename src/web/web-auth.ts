// Who may use the web app: one-time login tokens (handed out over the control socket, so only the
// daemon's user gets them), exchanged for a signed session cookie, and a CSRF token per session.
// Decisions only: no HTTP here, and the clock is injected so that expiry is testable.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The session cookie's name, one per daemon (from its key): browsers keep cookies per host, not per
 * port, so two daemons on one machine must not overwrite each other's sessions.
 */
export function sessionCookieName(key: Buffer): string {
  return `p2pchat_session_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}
/** Login tokens waiting to be used; asking for more drops the oldest. */
const MAX_PENDING_TOKENS = 16;

export interface WebAuthOptions {
  sessionMs: number;
  loginTokenMs: number;
}

export interface Session {
  id: string;
  expiresAt: number;
}

function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export class WebAuth {
  private readonly key: Buffer;
  private readonly now: () => number;
  private readonly options: WebAuthOptions;
  /** sha256(token) → expiry: the tokens themselves are never kept. */
  private readonly pending = new Map<string, number>();
  /** Sessions logged out before their expiry (until the daemon restarts; their cookies were cleared too). */
  private readonly revoked = new Set<string>();

  constructor(components: { key: Buffer; now?: () => number }, options: WebAuthOptions) {
    this.key = components.key;
    this.now = components.now ?? Date.now;
    this.options = options;
  }

  /** A new one-time login token and when it expires. */
  issueLoginToken(): { token: string; expiresAt: number } {
    const token = randomBytes(24).toString('base64url');
    const expiresAt = this.now() + this.options.loginTokenMs;
    this.pending.set(hashOf(token), expiresAt);
    for (const [hash] of this.pending) {
      if (this.pending.size <= MAX_PENDING_TOKENS) break;
      this.pending.delete(hash);
    }
    return { token, expiresAt };
  }

  /** Uses up a login token: true once for a token issued and not expired, false ever after. */
  redeemLoginToken(token: string): boolean {
    if (token.length === 0 || token.length > 200) return false;
    const hash = hashOf(token);
    const expiresAt = this.pending.get(hash);
    this.pending.delete(hash);
    return expiresAt !== undefined && expiresAt > this.now();
  }

  /** A new session and its cookie value: `<id>.<expiry ms>.<signature>`. */
  createSession(): { session: Session; cookie: string } {
    const session = { id: randomBytes(16).toString('base64url'), expiresAt: this.now() + this.options.sessionMs };
    const body = `${session.id}.${session.expiresAt}`;
    return { session, cookie: `${body}.${mac(this.key, `session.${body}`)}` };
  }

  /** The session a cookie value carries, if its signature holds and it has not expired or been logged out. */
  verifySession(cookie: string | undefined): Session | undefined {
    if (cookie === undefined || cookie.length > 200) return undefined;
    const parts = cookie.split('.');
    if (parts.length !== 3) return undefined;
    const [id, expiry, signature] = parts as [string, string, string];
    if (!/^\d{1,15}$/.test(expiry) || !sameText(signature, mac(this.key, `session.${id}.${expiry}`))) return undefined;
    const expiresAt = Number(expiry);
    if (expiresAt <= this.now() || this.revoked.has(id)) return undefined;
    return { id, expiresAt };
  }

  revoke(session: Session): void {
    this.revoked.add(session.id);
  }

  /** The CSRF token of a session: the app reads it from /api/session and sends it back in a header. */
  csrfToken(session: Session): string {
    return mac(this.key, `csrf.${session.id}`);
  }

  csrfMatches(session: Session, token: string | undefined): boolean {
    return token !== undefined && sameText(token, this.csrfToken(session));
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
