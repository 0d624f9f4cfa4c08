// Strangers that never became contacts and left no messages are dropped from the peers table once
// they have not been seen for `limits.strangerRetentionSeconds`; contacts, strangers with messages
// and connected strangers stay.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { Message } from '../../src/types.js';
import { stopAll, TestDaemon, waitFor } from '../helpers/daemon.js';
import { dials, peerList, setTrust, startIdentity, stopIdentities } from '../helpers/identities.js';
import { RawPeer } from '../helpers/raw-peer.js';

const rawPeers: RawPeer[] = [];
after(async () => {
  await Promise.allSettled(rawPeers.map(async (p) => p.stop()));
  await stopIdentities();
  await stopAll();
});

it('strangers that left no messages are forgotten once unseen for the retention; contacts and strangers with messages stay', async () => {
  const daemon = new TestDaemon({ name: 'forgetful' });
  writeFileSync(join(daemon.home, 'config.json'), JSON.stringify({ limits: { strangerRetentionSeconds: 1 } }));
  await daemon.start();

  const contact = await startIdentity();
  assert.ok(await dials(contact, daemon.address));
  await setTrust(daemon, contact.peerId.toString(), 'contact');
  const talker = await RawPeer.start();
  rawPeers.push(talker);
  await talker.sendText(daemon.address, ['hello, you do not know me']);
  await waitFor('the stranger’s message to be stored', async () => (await daemon.json<Message[]>(['history', talker.peerId])).length === 1);
  const stayer = await startIdentity();
  assert.ok(await dials(stayer, daemon.address));
  const passerby = await startIdentity();
  assert.ok(await dials(passerby, daemon.address));
  const known = async () => new Set((await peerList(daemon)).map((p) => p.peerId));
  assert.equal((await known()).size, 4);

  // The passer-by leaves and is forgotten; the stranger still connected is not, however long ago it came.
  await passerby.stop();
  await waitFor('the passer-by to be forgotten', async () => !(await known()).has(passerby.peerId.toString()));
  assert.ok((await known()).has(stayer.peerId.toString()), 'a connected stranger is kept');

  // Everyone leaves: only the contact and the stranger with a message remain.
  await stopIdentities();
  await talker.stop();
  await waitFor('the other stranger to be forgotten', async () => !(await known()).has(stayer.peerId.toString()));
  assert.deepEqual([...(await known())].sort(), [contact.peerId.toString(), talker.peerId].sort());
  assert.match(daemon.log, /forgot strangers that left no messages/);
});
