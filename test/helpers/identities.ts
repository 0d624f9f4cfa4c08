// Test helpers for connection admission: many fresh libp2p identities, each a real node with a new
// key, dialling from a chosen loopback source address (Linux answers on all of 127.0.0.0/8), and a
// way to set a peer's trust state the way a user does. Every node started here is stopped by
// stopIdentities() (call it in after()).
import '../../src/polyfills.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Connection } from '@libp2p/interface';
import { tcp, type TCPSocketOptions } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { PeerInfo, TrustState } from '../../src/types.js';
import { type TestDaemon, waitFor } from './daemon.js';

const started = new Set<Libp2p>();

export interface IdentityOptions {
  /** Source IP of its dials, e.g. 127.0.1.2. */
  from?: string;
  /** Addresses to listen on; none by default (it only dials). */
  listen?: string[];
  /** Addresses it announces through identify instead of its real ones. */
  announce?: string[];
  /** Its identify agent string, e.g. to pass for a p2pchat daemon. */
  agent?: string;
}

/** A new libp2p node with a fresh Ed25519 identity. */
export async function startIdentity(options: IdentityOptions = {}): Promise<Libp2p> {
  // @libp2p/tcp passes dialOpts on to net.connect, which takes localAddress.
  const dialOpts = (options.from ? { localAddress: options.from } : {}) as TCPSocketOptions;
  const node = await createLibp2p({
    addresses: { listen: options.listen ?? [], ...(options.announce ? { announce: options.announce } : {}) },
    ...(options.agent ? { nodeInfo: { userAgent: options.agent } } : {}),
    transports: [tcp({ dialOpts })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  });
  started.add(node);
  return node;
}

export async function stopIdentities(): Promise<void> {
  await Promise.allSettled([...started].map(async (n) => n.stop()));
  started.clear();
}

/**
 * Dials `address`; true when the other side admitted the connection, false when it refused it.
 * The dial itself succeeds either way (Noise negotiates the muxer inside its handshake, so the
 * dialer is done before the listener's gater has decided): what tells is whether identify then
 * answers on the connection or the connection closes.
 */
export async function dials(node: Libp2p, address: string): Promise<boolean> {
  const identified = new Set<string>();
  const onIdentify = (evt: CustomEvent<{ connection: { id: string } }>) => identified.add(evt.detail.connection.id);
  node.addEventListener('peer:identify', onIdentify);
  try {
    let connection: Connection;
    try {
      connection = await node.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) });
    } catch {
      return false;
    }
    const outcome = await waitFor(`the dial of ${address} to be admitted or refused`, () =>
      identified.has(connection.id) ? 'admitted' : connection.status !== 'open' ? 'refused' : undefined,
    );
    return outcome === 'admitted';
  } finally {
    node.removeEventListener('peer:identify', onIdentify);
  }
}

export async function peerList(daemon: TestDaemon): Promise<PeerInfo[]> {
  return daemon.json<PeerInfo[]>(['peers']);
}

/** Makes a peer a contact or blocks it with the CLI, and waits until the daemon reports the new state. */
export async function setTrust(daemon: TestDaemon, peerId: string, state: Exclude<TrustState, 'stranger'>): Promise<void> {
  const result = await daemon.cli(state === 'contact' ? ['contacts', 'add', peerId] : ['block', peerId]);
  if (result.code !== 0) throw new Error(`setting ${peerId} to ${state} failed: ${result.stderr}`);
  await waitFor(`${peerId} to be ${state}`, async () => (await peerList(daemon)).some((p) => p.peerId === peerId && p.trust === state));
}
