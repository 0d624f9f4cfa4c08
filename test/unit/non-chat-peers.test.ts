// Which LAN libp2p nodes count as chat peers: identify's protocol list, or a chat stream they opened.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CHAT_PROTOCOL, speaksChat } from '../../src/node/non-chat-peers.js';

const withStreams = (...protocols: string[]) => ({ streams: protocols.map((protocol) => ({ protocol })) }) as never;

it('a node is a chat peer when identify lists /chat/1.0.0 or it has a chat stream open with us', () => {
  assert.equal(speaksChat(['/ipfs/id/1.0.0', CHAT_PROTOCOL], []), true);
  assert.equal(speaksChat(['/ipfs/id/1.0.0'], [withStreams('/ipfs/id/1.0.0', CHAT_PROTOCOL)]), true, 'the chat example dialer');
  assert.equal(speaksChat(['/ipfs/id/1.0.0', '/ipfs/bitswap/1.2.0'], [withStreams('/ipfs/id/1.0.0')]), false, 'an IPFS node');
  assert.equal(speaksChat([], []), false);
});
