// The HTTP client the bench drives a daemon's control API with. The client is part of what a
// single-message benchmark measures: Node's `http.request` costs about as much per request as a
// small server does to answer it, so with it the bench measures its own client as much as the
// daemon. Two clients, chosen with --client:
// - `undici` (default): the undici HTTP/1.1 client (the engine of Node's `fetch`, installed as a
//   dev dependency), used through its dispatcher API (`Agent.request`), which skips fetch's WHATWG
//   streams layer.
// - `http`: Node's `http.request` with keep-alive, as the p2pchat CLI uses (src/control/client.ts).
import { Agent } from 'undici';
import { ControlClient } from '../../src/control/client.js';

export type ClientKind = 'undici' | 'http';
export const CLIENT_KINDS: readonly ClientKind[] = ['undici', 'http'];

export interface ApiClient {
  readonly kind: ClientKind;
  /** Sends a JSON body; resolves with the parsed answer, rejects on a status that is not 2xx. */
  post<T>(path: string, body: unknown): Promise<T>;
  close(): Promise<void>;
}

class UndiciApiClient implements ApiClient {
  readonly kind = 'undici';
  constructor(private readonly agent: Agent) {}

  async post<T>(path: string, body: unknown): Promise<T> {
    const res = await this.agent.request({
      origin: 'http://localhost',
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`POST ${path}: HTTP ${res.statusCode}: ${answer.slice(0, 200)}`);
    return JSON.parse(answer) as T;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

class NodeHttpApiClient implements ApiClient {
  readonly kind = 'http';
  private readonly client: ControlClient;
  constructor(socketPath: string) {
    this.client = new ControlClient(socketPath);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.client.request<T>('POST', path, body);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export async function createApiClient(kind: ClientKind, socketPath: string): Promise<ApiClient> {
  if (kind === 'http') return new NodeHttpApiClient(socketPath);
  return Promise.resolve(new UndiciApiClient(new Agent({ connect: { socketPath } })));
}

/** What a figure says about the client that drove it. */
export function clientDescription(kind: ClientKind): string {
  return kind === 'undici' ? 'undici 7 (Agent.request, keep-alive)' : "Node's http.request (keep-alive)";
}
