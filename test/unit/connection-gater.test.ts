import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection, MultiaddrConnection } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { pino } from 'pino';
import { createConnectionGater, newDenialCounts } from '../../src/trust/connection-gater.js';
import type { TrustState } from '../../src/types.js';

// Real peer ids (the gater parses them); which is which does not matter.
const IDS = [
  '12D3KooWRbbqJsKnPmE8LnpbhkrZpjN626rsdemyXs1F5GKGVntF',
  '12D3KooWM9Adgg8SwWkh8eDC7uSCjbne1wX7qCioiL1aMzeRnpcm',
  '12D3KooWSWWcbz6AKUR8YX7mFNECDJssfRNhGb35MDqa88MyGjEQ',
  '12D3KooWEysJQXpGVNXYXiVb3AxZDngocsvuweAcHCLbUG1q3NKY',
] as const;
const [A, B, C, D] = IDS;

function setup(states: Record<string, TrustState>) {
  const connections: Connection[] = [];
  const denials = newDenialCounts();
  const gater = createConnectionGater({
    trust: { stateOf: (id) => states[id] ?? 'stranger', effectiveStateOf: (id) => states[id] ?? 'stranger' },
    limits: { maxConnections: 10, contactReservedConnections: 2, connectionsPerAddress: 1, connectionsPerSubnet: 5 },
    log: pino({ level: 'silent' }),
    denials,
  })({ getConnections: () => connections });
  /** An upgrade in progress from `host`: what libp2p hands the encrypted checkpoint. */
  const maConn = (host: string) =>
    ({ remoteAddr: multiaddr(`/ip4/${host}/tcp/5000`), status: 'open', timeline: { open: Date.now() } }) as unknown as MultiaddrConnection;
  /** The connection libp2p lists once the upgrade is done: it shares the maConn's timeline. */
  const listed = (id: string, conn: MultiaddrConnection) =>
    connections.push({ remotePeer: peerIdFromString(id), remoteAddr: conn.remoteAddr, timeline: conn.timeline } as unknown as Connection);
  return { gater, denials, maConn, listed };
}

describe('createConnectionGater', () => {
  it('holds a slot for a connection admitted but not yet listed, and counts it once when listed', async () => {
    const { gater, denials, maConn, listed } = setup({});
    const first = maConn('10.0.0.1');
    assert.equal(await gater.denyInboundEncryptedConnection?.(peerIdFromString(A), first), false);
    // A second identity from the same address arrives before libp2p lists the first connection.
    assert.equal(await gater.denyInboundEncryptedConnection?.(peerIdFromString(B), maConn('10.0.0.1')), true);
    listed(A, first);
    assert.equal(await gater.denyInboundEncryptedConnection?.(peerIdFromString(C), maConn('10.0.0.1')), true);
    assert.equal(await gater.denyInboundEncryptedConnection?.(peerIdFromString(C), maConn('10.0.0.2')), false);
    assert.equal(denials.address_full, 2);
  });

  it('gives the slot back when an admitted upgrade fails', async () => {
    const { gater, maConn } = setup({});
    const failing = maConn('10.0.0.1');
    assert.equal(await gater.denyInboundEncryptedConnection?.(peerIdFromString(A), failing), false);
    (failing as { status: string }).status = 'aborted';
    assert.equal(await gater.denyInboundEncryptedConnection?.(peerIdFromString(B), maConn('10.0.0.1')), false);
  });

  it('does not dial a stranger at an address whose share is full, nor a blocked peer, but does dial a contact', async () => {
    const { gater, denials, maConn, listed } = setup({ [C]: 'contact', [D]: 'blocked' });
    const conn = maConn('10.0.0.1');
    assert.equal(await gater.denyInboundEncryptedConnection?.(peerIdFromString(A), conn), false);
    listed(A, conn);
    assert.equal(await gater.denyDialMultiaddr?.(multiaddr(`/ip4/10.0.0.1/tcp/4747/p2p/${B}`)), true);
    assert.equal(await gater.denyDialMultiaddr?.(multiaddr(`/ip4/10.0.0.2/tcp/4747/p2p/${B}`)), false);
    assert.equal(await gater.denyDialMultiaddr?.(multiaddr(`/ip4/10.0.0.1/tcp/4747/p2p/${C}`)), false);
    assert.equal(await gater.denyDialMultiaddr?.(multiaddr('/ip4/10.0.0.1/tcp/4747')), false, 'no peer id: decided after the handshake');
    assert.equal(await gater.denyDialPeer?.(peerIdFromString(D)), true);
    assert.equal(await gater.denyOutboundEncryptedConnection?.(peerIdFromString(D), maConn('10.0.0.9')), true);
    assert.deepEqual(denials, { blocked: 2, address_full: 1, subnet_full: 0, strangers_full: 0 });
  });
});

describe('relay reservations', () => {
  const gaterFor = (states: Record<string, TrustState>, relayReservations?: 'anyone' | 'contacts') =>
    createConnectionGater({
      trust: { stateOf: (id) => states[id] ?? 'stranger', effectiveStateOf: (id) => states[id] ?? 'stranger' },
      limits: { maxConnections: 10, contactReservedConnections: 2, connectionsPerAddress: 1, connectionsPerSubnet: 5 },
      log: pino({ level: 'silent' }),
      relayReservations,
    })({ getConnections: () => [] });

  it('go to anyone not blocked by default, to contacts only when configured; blocked peers are relayed neither way', async () => {
    const states: Record<string, TrustState> = { [A]: 'contact', [C]: 'blocked' };
    const [a, b, c] = [peerIdFromString(A), peerIdFromString(B), peerIdFromString(C)];
    const open = gaterFor(states);
    assert.equal(await open.denyInboundRelayReservation?.(a), false);
    assert.equal(await open.denyInboundRelayReservation?.(b), false);
    assert.equal(await open.denyInboundRelayReservation?.(c), true);
    const contacts = gaterFor(states, 'contacts');
    assert.equal(await contacts.denyInboundRelayReservation?.(a), false);
    assert.equal(await contacts.denyInboundRelayReservation?.(b), true);
    assert.equal(await open.denyOutboundRelayedConnection?.(a, c), true);
    assert.equal(await open.denyInboundRelayedConnection?.(a, c), true);
    assert.equal(await open.denyInboundRelayedConnection?.(c, b), false, 'only the remote peer counts, not the relay');
  });
});
