import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFrame, encodeAck, encodeHello, encodeMessage } from '../../src/protocol/envelope.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('decodeFrame', () => {
  it('round-trips our envelopes', () => {
    assert.deepEqual(decodeFrame(encodeMessage('id-1', 1700000000000, 'hi')), {
      kind: 'message',
      id: 'id-1',
      time: 1700000000000,
      text: 'hi',
    });
    assert.deepEqual(decodeFrame(encodeAck(['a', 'b'])), { kind: 'ack', ids: ['a', 'b'] });
    assert.deepEqual(decodeFrame(encodeHello('alice', '1.2.3')), { kind: 'hello', name: 'alice', version: '1.2.3' });
  });

  it('takes plain UTF-8 and non-envelope JSON as text', () => {
    assert.deepEqual(decodeFrame(bytes('hello there\n')), { kind: 'text', text: 'hello there\n' });
    assert.deepEqual(decodeFrame(bytes('{"hello": 1}')), { kind: 'text', text: '{"hello": 1}' });
    assert.deepEqual(decodeFrame(bytes('{not json')), { kind: 'text', text: '{not json' });
    assert.deepEqual(decodeFrame(bytes('[1,2]')), { kind: 'text', text: '[1,2]' });
  });

  it('rejects invalid UTF-8 and envelopes with wrong types', () => {
    assert.equal(decodeFrame(new Uint8Array([0xff, 0xfe, 0x41])).kind, 'invalid');
    assert.equal(decodeFrame(bytes('{"v":1,"type":"message","id":5,"time":1,"text":"x"}')).kind, 'invalid');
    assert.equal(decodeFrame(bytes('{"v":1,"type":"message","id":"a","time":"now","text":"x"}')).kind, 'invalid');
    assert.equal(decodeFrame(bytes('{"v":1,"type":"message","id":"a","time":1,"text":null}')).kind, 'invalid');
    assert.equal(decodeFrame(bytes('{"v":1,"type":"ack","ids":"a"}')).kind, 'invalid');
    assert.equal(decodeFrame(bytes('{"v":1,"type":"hello","name":7}')).kind, 'invalid');
    assert.equal(decodeFrame(bytes('{"v":0,"type":"message"}')).kind, 'invalid');
  });

  it('ignores unknown types and unknown fields', () => {
    assert.deepEqual(decodeFrame(bytes('{"v":1,"type":"typing"}')), { kind: 'unknown', type: 'typing' });
    assert.deepEqual(decodeFrame(bytes('{"v":2,"type":"message","id":"x","time":5,"text":"t","extra":[1]}')), {
      kind: 'message',
      id: 'x',
      time: 5,
      text: 't',
    });
  });
});
