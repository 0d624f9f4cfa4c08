// The CLI's side of the control API: HTTP over the daemon's Unix socket, with node:http only,
// so that CLI commands start fast.
import { type RequestOptions, request } from 'node:http';
import type { ChatEvent } from '../types.js';
import { lineSplitter } from './ndjson.js';
import { checkSocketOwner } from './socket-owner.js';

export { UntrustedSocketError } from './socket-owner.js';

export class DaemonNotRunningError extends Error {
  override name = 'DaemonNotRunningError';
  constructor(readonly socketPath: string) {
    super(`no p2pchat daemon is running (nothing listens on ${socketPath})`);
  }
}

/** The daemon answered with an error: `code` and `message` come from its `{error, message}` body. */
export class ApiResponseError extends Error {
  override name = 'ApiResponseError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

function connectionError(socketPath: string, err: NodeJS.ErrnoException): Error {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') return new DaemonNotRunningError(socketPath);
  if (err.code === 'EACCES') return new Error(`permission denied on ${socketPath}: the daemon belongs to another user`);
  return err;
}

function eventStreamError(status: number, text: string): ApiResponseError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: the status alone is the message
  }
  const code = typeof body.error === 'string' ? body.error : `http_${status}`;
  const message = typeof body.message === 'string' ? body.message : `event stream failed (HTTP ${status})`;
  return new ApiResponseError(status, code, message, body);
}

export class ControlClient {
  private ownerChecked = false;

  /** @param timeoutMs how long a request may go unanswered (a wedged daemon, or not a daemon at all). */
  constructor(
    readonly socketPath: string,
    readonly timeoutMs = 30_000,
  ) {}

  /** Once per client, before the first byte is sent: the socket must be ours (or root's). */
  private checkOwner(): void {
    if (this.ownerChecked) return;
    checkSocketOwner(this.socketPath);
    this.ownerChecked = true;
  }

  request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return this.exchange(method, path, body, (text, status) => {
      try {
        return text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new Error(`daemon sent a response that is not JSON (HTTP ${status})`);
      }
    }) as Promise<T>;
  }

  /** A GET whose answer is text (GET /metrics); errors come as JSON like every other answer. */
  text(path: string): Promise<string> {
    return this.exchange('GET', path, undefined, (text) => text);
  }

  private exchange<T>(method: 'GET' | 'POST', path: string, body: unknown, read: (text: string, status: number) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.checkOwner();
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const options: RequestOptions & { servername: string } = {
        socketPath: this.socketPath,
        // No TLS on a Unix socket: an empty server name skips the agent's guess of one, whose
        // first use compiles an IPv6 regular expression (about 5 ms of a CLI command).
        servername: '',
        method,
        path,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      };
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve(read(text, status));
            } catch (err) {
              reject(err as Error);
            }
            return;
          }
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            reject(new Error(`daemon sent a response that is not JSON (HTTP ${status})`));
            return;
          }
          const obj = (parsed ?? {}) as Record<string, unknown>;
          const code = typeof obj.error === 'string' ? obj.error : `http_${status}`;
          const message = typeof obj.message === 'string' ? obj.message : `HTTP ${status}`;
          reject(new ApiResponseError(status, code, message, obj));
        });
        res.on('error', reject);
      });
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(new Error(`the daemon did not answer within ${this.timeoutMs / 1000}s on ${this.socketPath}`)),
      );
      req.on('error', (err) => reject(connectionError(this.socketPath, err)));
      req.end(payload);
    });
  }

  /**
   * Follows the event stream. `since` replays stored events after that id first. Resolves when
   * the daemon ends the stream (for example when it stops); `close()` ends it from our side.
   * `onOpen` runs once the daemon has accepted the stream, before any event.
   */
  events(since: number | undefined, onEvent: (event: ChatEvent) => void, onOpen?: () => void): { done: Promise<void>; close: () => void } {
    let closeFn = () => {};
    const done = new Promise<void>((resolve, reject) => {
      this.checkOwner();
      const req = request(
        { socketPath: this.socketPath, method: 'GET', path: since === undefined ? '/v1/events' : `/v1/events?since=${since}` },
        (res) => {
          if (res.statusCode !== 200) {
            // The daemon says why in a JSON body (503 `unavailable`: too many clients).
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => reject(eventStreamError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
            return;
          }
          onOpen?.();
          res.setEncoding('utf8');
          res.on(
            'data',
            lineSplitter((line) => onEvent(JSON.parse(line) as ChatEvent)),
          );
          res.on('end', resolve);
          res.on('close', resolve);
          res.on('error', () => resolve());
        },
      );
      req.on('error', (err) => reject(connectionError(this.socketPath, err)));
      req.end();
      closeFn = () => {
        req.destroy();
        resolve();
      };
    });
    return { done, close: () => closeFn() };
  }
}
