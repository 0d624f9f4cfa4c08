// Zero-config interop with stock libp2p nodes: nodes built from npm packages like libp2p's chat
// example, with @libp2p/mdns in its default configuration, and a p2pchat daemon with its defaults
// find each other on a LAN in either start order and exchange messages. A libp2p node of another
// application (no /chat/1.0.0) is not kept, not listed and not dialled again.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { Message, PeerInfo } from '../../src/types.js';
import { type TestDaemon, waitFor, stopAllThen } from '../helpers/daemon.js';
import { LAN_TIMEOUT_MS } from '../helpers/lan.js';
import { type LanHost, netnsUnavailable, TestLan } from '../helpers/netns.js';

const STOCK_PEER = fileURLToPath(new URL('../helpers/stock-mdns-peer.js', import.meta.url));

interface StockLine {
  peerId?: string;
  discovered?: string;
  received?: string;
  connected?: string;
  disconnected?: string;
  error?: string;
}

const lans: TestLan[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stopAllThen(() => {
    for (const lan of lans) lan.destroy();
  });
});

class StockNode {
  private out = '';
  readonly proc: ChildProcess;

  constructor(host: LanHost, mode: 'listener' | 'dialer' | 'other') {
    this.proc = spawn('ip', ['netns', 'exec', host.ns, process.execPath, STOCK_PEER, mode]);
    children.push(this.proc);
    this.proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.out += d;
    });
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.out += d;
    });
  }

  lines(): StockLine[] {
    return this.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as StockLine);
  }

  peerId(): Promise<string> {
    return waitFor('the stock node to start', () => this.lines().find((l) => l.peerId)?.peerId, LAN_TIMEOUT_MS);
  }

  discovered(peerId: string): Promise<true> {
    return waitFor('the stock node to discover the daemon', () => this.lines().some((l) => l.discovered === peerId), LAN_TIMEOUT_MS);
  }
}

function newLan(): TestLan {
  const lan = new TestLan();
  lans.push(lan);
  return lan;
}

/** A daemon with the defaults (mDNS on, network "default"); strangers' messages accepted, since trust is not the point here. */
function startDaemon(host: LanHost): Promise<TestDaemon> {
  return host.daemon({ args: ['--listen', '/ip4/0.0.0.0/tcp/4747', '--inbound', 'open'] }).start();
}

async function knownPeer(daemon: TestDaemon, peerId: string): Promise<PeerInfo> {
  return waitFor(
    'the daemon to be connected to the stock node',
    async () => (await daemon.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === peerId && p.connected),
    LAN_TIMEOUT_MS,
  );
}

describe('stock libp2p nodes with default @libp2p/mdns', { skip: netnsUnavailable() }, () => {
  it('daemon first: a stock listener and the daemon find each other, and a message reaches the listener', async () => {
    const lan = newLan();
    const [chatHost, stockHost] = [lan.addHost('chat'), lan.addHost('stock')] as [LanHost, LanHost];
    const daemon = await startDaemon(chatHost);
    const listener = new StockNode(stockHost, 'listener');
    const listenerId = await listener.peerId();
    await listener.discovered(daemon.peerId);
    await knownPeer(daemon, listenerId);
    await daemon.json<Message>(['send', listenerId, 'hello stock listener']);
    await waitFor(
      'the listener to print the message',
      () => listener.lines().some((l) => l.received === 'hello stock listener'),
      LAN_TIMEOUT_MS,
    );
  });

  it('stock node first: the daemon finds the listener, and a stock dialer reaches the daemon', async () => {
    const lan = newLan();
    const [chatHost, stockHost, dialerHost] = [lan.addHost('chat'), lan.addHost('stock'), lan.addHost('dial')] as [
      LanHost,
      LanHost,
      LanHost,
    ];
    const listener = new StockNode(stockHost, 'listener');
    const listenerId = await listener.peerId();
    const dialer = new StockNode(dialerHost, 'dialer');
    const dialerId = await dialer.peerId();
    const daemon = await startDaemon(chatHost);
    await Promise.all([listener.discovered(daemon.peerId), dialer.discovered(daemon.peerId)]);
    await knownPeer(daemon, listenerId);
    // The dialer opened a /chat/1.0.0 stream on discovery and wrote a line.
    const received = await waitFor(
      'the dialer\u2019s line in history',
      async () => (await daemon.json<Message[]>(['history', dialerId])).find((m) => m.direction === 'in'),
      LAN_TIMEOUT_MS,
    );
    assert.match(received.text, /^hello from a stock dialer\n?$/);
    await daemon.json<Message>(['send', listenerId, 'hello stock listener']);
    await waitFor(
      'the listener to print the message',
      () => listener.lines().some((l) => l.received === 'hello stock listener'),
      LAN_TIMEOUT_MS,
    );
  });

  it('a libp2p node of another application is hung up on, not listed, and not dialled again', async (t) => {
    const lan = newLan();
    const [chatHost, otherHost] = [lan.addHost('chat'), lan.addHost('other')] as [LanHost, LanHost];
    const daemon = await startDaemon(chatHost);
    const other = new StockNode(otherHost, 'other');
    const otherId = await other.peerId();
    await other.discovered(daemon.peerId);
    await waitFor('the other node to connect', () => other.lines().some((l) => l.connected === daemon.peerId), LAN_TIMEOUT_MS);
    // Identify lists no /chat/1.0.0: after its grace period, the daemon hangs up and drops it.
    await waitFor('the daemon to hang up', () => other.lines().some((l) => l.disconnected === daemon.peerId), LAN_TIMEOUT_MS).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${daemon.log}\n${JSON.stringify(other.lines())}`);
      },
    );
    const peers = await daemon.json<PeerInfo[]>(['peers']);
    assert.equal(
      peers.some((p) => p.peerId === otherId),
      false,
      'not listed as a chat peer',
    );
    // The other node answers its own query every 10 s, which the daemon hears: it does not dial again.
    const hungUpAt = Date.now();
    await new Promise((r) => setTimeout(r, 12_000));
    const connects = other.lines().filter((l) => l.connected === daemon.peerId).length;
    t.diagnostic(`connections from the daemon side in the ${Date.now() - hungUpAt} ms after the hang-up: ${connects - 1}`);
    assert.equal(connects, 1, 'no new connection after the hang-up');
  });
});
