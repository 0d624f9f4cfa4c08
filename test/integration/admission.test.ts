// Connection admission against real daemons and real libp2p identities: many fresh identities
// from one address, one subnet or everywhere fill only the strangers' share of the connection
// slots, a contact still connects, and a blocked peer cannot connect in either direction.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Libp2p } from 'libp2p';
import { stopAll, TestDaemon, waitFor } from '../helpers/daemon.js';
import { dials, peerList, setTrust, startIdentity, stopIdentities } from '../helpers/identities.js';

after(async () => {
  await stopIdentities();
  await stopAll();
});

/** A daemon on 127.0.0.1 with these `limits`, logging at debug so that refusals show with their reason. */
async function daemonWithLimits(name: string, limits: Record<string, number>): Promise<TestDaemon> {
  const daemon = new TestDaemon({ name, env: { P2PCHAT_LOG_LEVEL: 'debug' } });
  writeFileSync(join(daemon.home, 'config.json'), JSON.stringify({ limits }));
  return daemon.start();
}

/** Starts `count` fresh identities dialling from `from`, one after another; returns who got in. */
async function strangersFrom(daemon: TestDaemon, from: string, count: number): Promise<{ admitted: Libp2p[]; refused: Libp2p[] }> {
  const admitted: Libp2p[] = [];
  const refused: Libp2p[] = [];
  for (let i = 0; i < count; i++) {
    const node = await startIdentity({ from });
    ((await dials(node, daemon.address)) ? admitted : refused).push(node);
  }
  return { admitted, refused };
}

const connectedStrangers = async (daemon: TestDaemon) => (await peerList(daemon)).filter((p) => p.connected && p.trust === 'stranger');

it('strangers fill only their share of the slots, per address, per subnet and in total; a contact still connects', async () => {
  // 10 slots, 3 kept for contacts: strangers get 7, at most 2 per address and 3 per /24.
  const daemon = await daemonWithLimits('victim', {
    maxConnections: 10,
    contactReservedConnections: 3,
    connectionsPerAddress: 2,
    connectionsPerSubnet: 3,
  });

  // The contact meets the daemon first, from the address the attack will come from, then leaves.
  const contact = await startIdentity({ from: '127.0.0.2' });
  assert.ok(await dials(contact, daemon.address));
  await setTrust(daemon, contact.peerId.toString(), 'contact');
  await contact.hangUp(peerIdFromString(daemon.peerId));
  await waitFor('the contact to be disconnected', async () => !(await peerList(daemon)).some((p) => p.connected));

  const sameAddress = await strangersFrom(daemon, '127.0.0.2', 3);
  assert.equal(sameAddress.admitted.length, 2, 'two strangers per address');
  const sameSubnet = await strangersFrom(daemon, '127.0.0.3', 2);
  assert.equal(sameSubnet.admitted.length, 1, 'three strangers per /24');
  const elsewhere = [
    await strangersFrom(daemon, '127.0.1.2', 2),
    await strangersFrom(daemon, '127.0.2.2', 2),
    await strangersFrom(daemon, '127.0.3.2', 1),
  ];
  assert.deepEqual(
    elsewhere.map((r) => r.admitted.length),
    [2, 2, 0],
    'seven strangers in all: the last one finds the strangers’ share full',
  );

  const admitted = [sameAddress, sameSubnet, ...elsewhere].flatMap((r) => r.admitted.map((n) => n.peerId.toString()));
  const refused = [sameAddress, sameSubnet, ...elsewhere].flatMap((r) => r.refused.map((n) => n.peerId.toString()));
  await waitFor('the daemon to list the admitted strangers as connected', async () => (await connectedStrangers(daemon)).length === 7);
  const known = new Set((await peerList(daemon)).map((p) => p.peerId));
  assert.deepEqual(
    admitted.filter((id) => !known.has(id)),
    [],
    'every admitted stranger is a known peer',
  );
  assert.deepEqual(
    refused.filter((id) => known.has(id)),
    [],
    'a refused stranger never reaches the peers table',
  );

  // The contact comes back from the full address, and gets in: strangers left it the reserve.
  assert.ok(await dials(contact, daemon.address), 'the contact connects past every stranger limit');
  await waitFor('the contact to be connected', async () =>
    (await peerList(daemon)).some((p) => p.peerId === contact.peerId.toString() && p.connected),
  );
  // Still no room for one more stranger, from anywhere.
  assert.deepEqual((await strangersFrom(daemon, '127.0.4.2', 1)).admitted, []);
  assert.equal((await connectedStrangers(daemon)).length, 7);

  for (const reason of ['address_full', 'subnet_full', 'strangers_full']) {
    assert.match(daemon.log, new RegExp(`"reason":"${reason}"`), `a refusal logged with reason ${reason}`);
  }
});

it('a blocked peer cannot connect in either direction', async () => {
  const daemon = await daemonWithLimits('blocker', {});
  const peer = await startIdentity({ listen: ['/ip4/127.0.0.1/tcp/0'] });
  const peerAddress = peer.getMultiaddrs()[0]?.toString() as string;
  assert.ok(await dials(peer, daemon.address));
  // Blocking hangs up on it.
  await setTrust(daemon, peer.peerId.toString(), 'blocked');
  await waitFor('the blocked peer to be disconnected', async () => !(await peerList(daemon)).some((p) => p.connected));

  assert.equal(await dials(peer, daemon.address), false, 'the blocked peer’s dial is refused');
  // Our side never dials it: not by its peer id, and not by an address that does not name it.
  const byId = await daemon.cli(['connect', peerAddress]);
  assert.notEqual(byId.code, 0, `connect to a blocked peer fails: ${byId.stdout}`);
  const byAddress = await daemon.cli(['connect', peerAddress.replace(/\/p2p\/.*$/, '')]);
  assert.notEqual(byAddress.code, 0, `connect by address to a blocked peer fails: ${byAddress.stdout}`);
  // The dial by address reached it for the handshake only: that connection is closed at once.
  await waitFor('the blocked peer to hold no connection to us', () => peer.getConnections().length === 0);
  assert.equal((await peerList(daemon)).find((p) => p.peerId === peer.peerId.toString())?.connected, false);
  assert.match(daemon.log, /"reason":"blocked","where":"dial"/);
  assert.match(daemon.log, /"reason":"blocked","where":"inbound"/);
  assert.match(daemon.log, /"reason":"blocked","where":"outbound"/);
});
