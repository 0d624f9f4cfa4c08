// The `ping` component kad-dht asks for (it pings peers before adding them to its routing table).
// A small service of our own on libp2p's ping protocol (/ipfs/ping/1.0.0: 32 bytes echoed), so
// that no package beyond those p2pchat already uses is needed. It runs on relayed connections
// too: a daemon behind a NAT is reached only through one.
import { type AbortOptions, type Connection, type PeerId, serviceCapabilities, type Stream } from '@libp2p/interface';

export const PING_PROTOCOL = '/ipfs/ping/1.0.0';
const PING_BYTES = 32;
const PING_TIMEOUT_MS = 10_000;

interface PingComponents {
  registrar: {
    handle(protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options?: object): Promise<void>;
    unhandle(protocol: string): Promise<void>;
  };
  connectionManager: { openStream(peer: PeerId, protocol: string, options?: object): Promise<Stream> };
}

class DhtPing {
  private readonly components: PingComponents;
  /** What kad-dht checks for among the node's services. */
  readonly [serviceCapabilities] = ['@libp2p/ping'];

  constructor(components: PingComponents) {
    this.components = components;
  }

  async start(): Promise<void> {
    await this.components.registrar.handle(PING_PROTOCOL, (stream) => this.echo(stream), {
      maxInboundStreams: 2,
      maxOutboundStreams: 2,
      runOnLimitedConnection: true,
    });
  }

  async stop(): Promise<void> {
    await this.components.registrar.unhandle(PING_PROTOCOL);
  }

  /** Echoes at most one ping's bytes, then closes: a peer cannot keep the stream busy. */
  private async echo(stream: Stream): Promise<void> {
    const timer = setTimeout(() => stream.abort(new Error('ping timed out')), PING_TIMEOUT_MS);
    try {
      let echoed = 0;
      for await (const chunk of stream) {
        const bytes = chunk.subarray();
        const take = bytes.subarray(0, PING_BYTES - echoed);
        stream.send(take);
        echoed += take.length;
        if (echoed >= PING_BYTES) break;
      }
      await stream.close();
    } catch (err) {
      stream.abort(err as Error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Round trip in milliseconds; throws when the peer does not answer. */
  async ping(peer: PeerId, options: AbortOptions = {}): Promise<number> {
    const signal = options.signal ?? AbortSignal.timeout(PING_TIMEOUT_MS);
    const stream = await this.components.connectionManager.openStream(peer, PING_PROTOCOL, { signal, runOnLimitedConnection: true });
    const data = crypto.getRandomValues(new Uint8Array(PING_BYTES));
    const start = Date.now();
    try {
      const onAbort = () => stream.abort(new Error('ping aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      stream.send(data);
      const received: number[] = [];
      for await (const chunk of stream) {
        received.push(...chunk.subarray());
        if (received.length >= PING_BYTES) break;
      }
      signal.removeEventListener('abort', onAbort);
      if (received.length < PING_BYTES || received.some((b, i) => i < PING_BYTES && b !== data[i])) throw new Error('wrong ping answer');
      await stream.close();
      return Date.now() - start;
    } catch (err) {
      stream.abort(err as Error);
      throw err;
    }
  }
}

export function dhtPing(): (components: PingComponents) => DhtPing {
  return (components) => new DhtPing(components);
}
