// The HTTP client the bench drives a daemon's control API with. The client is part of what a
// single-message benchmark measures: Node's `http.request` costs about as much per request as a
// small server does to answer it, so with it the bench measures its own client as much as the
// daemon. Two clients, chosen with --client:
// - `undici` (default): the undici HTTP/1.1 client that Node ships as the engine of its `fetch`,
//   used through its dispatcher API (`Agent.request`), which skips fetch's WHATWG streams layer.
//   Node 20 does not export the module; its `Agent` class is taken from the dispatcher that
//   undici registers for Node's `fetch` under `Symbol.for('undici.globalDispatcher.1')`, the key
//   undici itself uses to share a dispatcher with Node.
// - `http`: Node's `http.request` with keep-alive, as the p2pchat CLI uses (src/control/client.ts).
import { ControlClient } from '../../src/control/client.js';

export type ClientKind = 'undici' | 'http';
export const CLIENT_KINDS: readonly ClientKind[] = ['undici', 'http'];

export interface ApiClient {
  readonly kind: ClientKind;
  /** Sends a JSON body; resolves with the parsed answer, rejects on a status that is not 2xx. */
  post<T>(path: string, body: unknown): Promise<T>;
  close(): Promise<void>;
}

/** The parts of undici's dispatcher API used here (see undici's `Dispatcher.request`). */
interface UndiciAgent {
  request(options: { origin: string; path: string; method: string; headers: Record<string, string>; body: string }): Promise<{
    statusCode: number;
    body: { text(): Promise<string> };
  }>;
  close(): Promise<void>;
}
type UndiciAgentClass = new (options: { connect: { socketPath: string } }) => UndiciAgent;

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/** Node's own undici `Agent` class; undici registers its dispatcher on the first `fetch`. */
async function nodeUndiciAgent(): Promise<UndiciAgentClass> {
  const registry = globalThis as unknown as Record<symbol, { constructor: unknown } | undefined>;
  if (!registry[GLOBAL_DISPATCHER]) await fetch('data:,').then((r) => r.arrayBuffer());
  const agentClass = registry[GLOBAL_DISPATCHER]?.constructor as UndiciAgentClass | undefined;
  if (typeof agentClass !== 'function' || typeof (agentClass.prototype as Partial<UndiciAgent>).request !== 'function') {
    throw new Error(`this Node (${process.version}) does not expose undici's dispatcher; run the bench with --client http`);
  }
  return agentClass;
}

class UndiciApiClient implements ApiClient {
  readonly kind = 'undici';
  constructor(private readonly agent: UndiciAgent) {}

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
  const Agent = await nodeUndiciAgent();
  return new UndiciApiClient(new Agent({ connect: { socketPath } }));
}

/** What a figure says about the client that drove it. */
export function clientDescription(kind: ClientKind): string {
  return kind === 'undici' ? "Node's bundled undici (Agent.request, keep-alive)" : "Node's http.request (keep-alive)";
}
