// Wire compatibility with the ecosystem: a stock libp2p node using @libp2p/mdns and a p2pchat
// daemon on the same LAN discover each other.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { PeerInfo } from '../../src/types.js';
import { stopAll, waitFor } from '../helpers/daemon.js';
import { netnsUnavailable, TestLan } from '../helpers/netns.js';

const STOCK_PEER = fileURLToPath(new URL('../helpers/stock-mdns-peer.js', import.meta.url));

let lan: TestLan | undefined;
const children: ReturnType<typeof spawn>[] = [];
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stopAll();
  lan?.destroy();
});

describe('a stock @libp2p/mdns node', { skip: netnsUnavailable() }, () => {
  it('and a p2pchat daemon discover each other', async () => {
    lan = new TestLan();
    const daemonHost = lan.addHost('chat');
    const stockHost = lan.addHost('stock');
    const daemon = await daemonHost.daemon().start();
    const child = spawn('ip', ['netns', 'exec', stockHost.ns, process.execPath, STOCK_PEER]);
    children.push(child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const lines = () =>
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { peerId?: string; discovered?: string });
    const stockId = await waitFor('the stock node to start', () => lines().find((l) => l.peerId)?.peerId);
    await waitFor('the stock node to discover the daemon', () => lines().some((l) => l.discovered === daemon.peerId));
    const peer = await waitFor('the daemon to know the stock node', async () =>
      (await daemon.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === stockId),
    );
    assert.equal(peer.p2pchat, false);
  });
});
