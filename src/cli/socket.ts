// The CLI's way to the daemon: which control socket (found the same way the daemon chose it,
// without loading the config schema), and a client whose one-shot requests start fast.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { defaultPaths } from '../config/paths.js';
import { ApiResponseError, ControlClient, DaemonNotRunningError } from '../control/client.js';

/** --socket, then P2PCHAT_SOCKET, then the config file's "socket", then the default. */
export function findSocket(
  opts: { home?: string | undefined; socket?: string | undefined; config?: string | undefined },
  env = process.env,
): string {
  if (opts.socket) return opts.socket;
  if (env.P2PCHAT_SOCKET) return env.P2PCHAT_SOCKET;
  const paths = defaultPaths({ home: opts.home ?? (env.P2PCHAT_HOME || undefined), env });
  const configFile = opts.config ?? (env.P2PCHAT_CONFIG || paths.configFile);
  try {
    const fromFile = (JSON.parse(readFileSync(configFile, 'utf8')) as { socket?: unknown }).socket;
    if (typeof fromFile === 'string' && fromFile !== '') return fromFile;
  } catch {
    // no config file, or one the daemon will complain about: use the default
  }
  return paths.socketPath;
}

/** A complete HTTP/1.1 response read off a socket; the body is undefined until all of it is there. */
export interface RawResponse {
  status: number;
  body: Buffer | undefined;
  /** With a Content-Length: how many bytes the whole response has, so a reader can wait for them. */
  total?: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Decodes a chunked body; undefined while the last chunk has not arrived. */
function unchunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size))
      throw Object.assign(new Error('Parse Error: Invalid character in chunk size'), { code: 'HPE_INVALID_CHUNK_SIZE' });
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * Parses what has arrived of a response: undefined while the head is incomplete. `ended` says the
 * server closed the connection, which ends a body that has neither a length nor chunks.
 */
export function parseResponse(data: Buffer, ended: boolean): RawResponse | undefined {
  const headEnd = data.indexOf(HEADER_END);
  if (headEnd < 0) {
    if (data.length >= 5 && !data.subarray(0, 5).equals(Buffer.from('HTTP/'))) {
      throw Object.assign(new Error('Parse Error: Expected HTTP/'), { code: 'HPE_INVALID_CONSTANT' });
    }
    return undefined;
  }
  const [statusLine = '', ...headerLines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw Object.assign(new Error('Parse Error: Expected HTTP/'), { code: 'HPE_INVALID_CONSTANT' });
  const status = Number(match[1]);
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const rest = data.subarray(headEnd + HEADER_END.length);
  if (status === 204 || status === 304) return { status, body: Buffer.alloc(0) };
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) return { status, body: unchunk(rest) };
  const length = headers.get('content-length');
  if (length !== undefined) {
    const bytes = Number(length);
    return { status, body: rest.length >= bytes ? rest.subarray(0, bytes) : undefined, total: headEnd + HEADER_END.length + bytes };
  }
  return { status, body: ended ? rest : undefined };
}

function connectionError(socketPath: string, err: NodeJS.ErrnoException): Error {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') return new DaemonNotRunningError(socketPath);
  if (err.code === 'EACCES') return new Error(`permission denied on ${socketPath}: the daemon belongs to another user`);
  return err;
}

/**
 * The control client of CLI commands. A one-shot request is a plain HTTP/1.1 request written on a
 * new connection with node:net and read back in one piece: node:http's client (agent, parser,
 * request and response streams) costs a short-lived command more to start than the request itself
 * takes. Same results and errors as ControlClient.request; the event stream stays ControlClient's.
 */
export class CliControlClient extends ControlClient {
  override request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const head = [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
      if (payload !== undefined) head.push('Content-Type: application/json', `Content-Length: ${payload.length}`);
      const socket = connect(this.socketPath);
      const chunks: Buffer[] = [];
      let received = 0;
      /** Bytes of the whole response once its head gave a length: no need to parse again before. */
      let total = 0;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(err);
      };
      const read = (ended: boolean) => {
        if (settled || (received < total && !ended)) return;
        let response: RawResponse | undefined;
        try {
          response = parseResponse(Buffer.concat(chunks), ended);
          total = response?.total ?? 0;
        } catch (err) {
          fail(err as Error);
          return;
        }
        if (response?.body === undefined) {
          if (ended) fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
          return;
        }
        settled = true;
        socket.destroy();
        const { status } = response;
        const text = response.body.toString('utf8');
        let parsed: unknown;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          reject(new Error(`daemon sent a response that is not JSON (HTTP ${status})`));
          return;
        }
        if (status >= 200 && status < 300) {
          resolve(parsed as T);
          return;
        }
        const obj = (parsed ?? {}) as Record<string, unknown>;
        const code = typeof obj.error === 'string' ? obj.error : `http_${status}`;
        const message = typeof obj.message === 'string' ? obj.message : `HTTP ${status}`;
        reject(new ApiResponseError(status, code, message, obj));
      };
      socket.setTimeout(this.timeoutMs, () =>
        fail(new Error(`the daemon did not answer within ${this.timeoutMs / 1000}s on ${this.socketPath}`)),
      );
      socket.on('error', (err) => fail(connectionError(this.socketPath, err)));
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        read(false);
      });
      socket.on('end', () => read(true));
      socket.on('close', () => read(true));
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      if (payload !== undefined) socket.write(payload);
    });
  }
}
