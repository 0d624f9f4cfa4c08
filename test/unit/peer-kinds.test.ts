// What identifies a p2pchat daemon: identify's agent, never anything a peer writes on a stream.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptsChatFromIdentify, kindFromIdentify, PeerKinds } from '../../src/node/peer-kinds.js';

const CHAT = '/chat/1.0.0';

describe('peer kinds', () => {
  it('a p2pchat agent is a daemon; any other agent, or no identify at all, is a plain peer', () => {
    assert.equal(kindFromIdentify({ agent: 'p2pchat/0.1.0', protocols: [CHAT] }), 'p2pchat');
    assert.equal(kindFromIdentify({ agent: 'js-libp2p/3.3.11 UserAgent=v20', protocols: [CHAT] }), 'plain');
    assert.equal(kindFromIdentify({ agent: 'not p2pchat/1', protocols: [] }), 'plain');
    assert.equal(kindFromIdentify({}), 'plain');
  });

  it('identify’s protocol list tells whether a peer takes our streams; no identify leaves it to a dial', () => {
    assert.equal(acceptsChatFromIdentify({ agent: 'x', protocols: [CHAT, '/ipfs/id/1.0.0'] }, CHAT), true);
    assert.equal(acceptsChatFromIdentify({ agent: 'x', protocols: ['/ipfs/id/1.0.0'] }, CHAT), false);
    assert.equal(acceptsChatFromIdentify({}, CHAT), undefined);
  });

  it('a peer is pending until identify answers or fails, and waiters wake then', async () => {
    const kinds = new PeerKinds(CHAT);
    kinds.connected('a');
    assert.equal(kinds.kindOf('a'), 'pending');
    const known = kinds.whenKnown('a', 60_000);
    kinds.identified('a', {});
    assert.equal(await known, 'plain');
    assert.equal(kinds.acceptsChat('a'), undefined);
    kinds.refusedChat('a');
    assert.equal(kinds.acceptsChat('a'), false);
  });

  it('a failed identify on a second connection does not undo a daemon; a disconnect forgets the peer', () => {
    const kinds = new PeerKinds(CHAT);
    kinds.connected('d');
    kinds.identified('d', { agent: 'p2pchat/0.1.0', protocols: [CHAT] });
    kinds.connected('d');
    kinds.identified('d', {});
    assert.equal(kinds.kindOf('d'), 'p2pchat');
    assert.equal(kinds.acceptsChat('d'), true);
    kinds.disconnected('d');
    assert.equal(kinds.kindOf('d'), 'pending');
  });
});
