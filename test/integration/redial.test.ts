// No dial storms: after a restart the daemon redials its contacts, never the addresses that
// strangers announced. The "addresses" are plain TCP listeners that count the dials they get.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, it } from 'node:test';
import { startDaemon, waitFor, stopAllThen } from '../helpers/daemon.js';
import { dials, peerList, setTrust, startIdentity, stopIdentities } from '../helpers/identities.js';

const servers: Server[] = [];
after(async () => {
  await stopIdentities();
  await stopAllThen(() => {
    for (const server of servers) server.close();
  });
});

/** A TCP listener on 127.0.0.1 that counts the connections it accepts (and drops them). */
async function dialCounter(): Promise<{ address: string; accepted: () => number }> {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { address: `/ip4/127.0.0.1/tcp/${port}`, accepted: () => accepted };
}

it('after a restart, contacts are redialled and the address strangers announced is not', async () => {
  const daemon = await startDaemon({ name: 'victim' });
  const strangersAddress = await dialCounter();
  const contactAddress = await dialCounter();
  // They claim to be p2pchat daemons (the daemon used to redial every recent p2pchat peer) and
  // announce addresses of ours.
  const agent = 'p2pchat/0.1.0';
  const contact = await startIdentity({ agent, announce: [contactAddress.address] });
  assert.ok(await dials(contact, daemon.address));
  const strangers: string[] = [];
  for (let i = 0; i < 12; i++) {
    const stranger = await startIdentity({ agent, from: `127.0.${10 + i}.1`, announce: [strangersAddress.address] });
    assert.ok(await dials(stranger, daemon.address));
    strangers.push(stranger.peerId.toString());
  }
  await setTrust(daemon, contact.peerId.toString(), 'contact');
  await waitFor('the daemon to know every peer’s announced address', async () => {
    const peers = await peerList(daemon);
    const announced = (id: string, address: string) => peers.find((p) => p.peerId === id)?.addresses.includes(address);
    return announced(contact.peerId.toString(), contactAddress.address) && strangers.every((id) => announced(id, strangersAddress.address));
  });

  await stopIdentities();
  await daemon.restart();
  await waitFor('the daemon to redial its contact', () => contactAddress.accepted() > 0);
  assert.equal(strangersAddress.accepted(), 0, 'no dial to the address the strangers announced');
  assert.equal((await peerList(daemon)).length, 13, 'the strangers are still known, only not dialled');
});
