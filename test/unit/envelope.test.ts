import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeFrame,
  decodePlainFrame,
  encodeAck,
  encodeHello,
  encodeMessage,
  encodeRefused,
  MAX_MESSAGE_TIME_MS,
  plainText,
} from '../../src/protocol/envelope.js';

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
    assert.deepEqual(decodeFrame(bytes('hello there\n')), { kind: 'text', text: 'hello there' });
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

  it('refuses, by id, messages whose time the store could not record', () => {
    const message = (time: unknown) => bytes(JSON.stringify({ v: 1, type: 'message', id: 'm-1', time, text: 'x' }));
    for (const time of [1e300, -1, MAX_MESSAGE_TIME_MS + 1, 'now', null]) {
      const frame = decodeFrame(message(time));
      assert.equal(frame.kind, 'invalid', `time ${String(time)}`);
      assert.equal(frame.kind === 'invalid' && frame.id, 'm-1', `time ${String(time)}`);
    }
    // Infinity and NaN cannot be written in JSON; the edges of the range can.
    for (const time of [0, MAX_MESSAGE_TIME_MS]) {
      assert.equal(decodeFrame(message(time)).kind, 'message');
      assert.doesNotThrow(() => new Date(time).toISOString());
    }
    assert.throws(() => new Date(1e300).toISOString(), RangeError);
  });

  it('takes only printable, bounded ids, in messages and in acks', () => {
    const message = (id: unknown) => decodeFrame(bytes(JSON.stringify({ v: 1, type: 'message', id, time: 1, text: 'x' })));
    for (const id of ['', 'a'.repeat(129), 'has space', 'tab\there', '\u001b[2K', 'é', 5]) {
      const frame = message(id);
      assert.equal(frame.kind, 'invalid', `id ${JSON.stringify(id)}`);
      // An id we do not take is not echoed back either.
      assert.equal(frame.kind === 'invalid' && frame.id, undefined);
    }
    assert.equal(message('a'.repeat(128)).kind, 'message');
    assert.equal(message('0b5f1c2e-7a4b-4c1d-9e8f-123456789abc').kind, 'message');
    assert.equal(decodeFrame(bytes('{"v":1,"type":"ack","ids":["ok","not ok"]}')).kind, 'invalid');
  });

  it('round-trips refusals and bounds their reason', () => {
    assert.deepEqual(decodeFrame(encodeRefused(['a', 'b'], 'invalid')), { kind: 'refused', ids: ['a', 'b'], reason: 'invalid' });
    const long = decodeFrame(encodeRefused(['a'], 'r'.repeat(1000)));
    assert.equal(long.kind === 'refused' && long.reason.length, 64);
    assert.deepEqual(decodeFrame(bytes('{"v":1,"type":"refused","ids":["a"]}')), { kind: 'refused', ids: ['a'], reason: 'refused' });
    assert.equal(decodeFrame(bytes('{"v":1,"type":"refused","ids":["not an id"],"reason":"x"}')).kind, 'invalid');
  });
});

describe('plain text frames', () => {
  it('lose exactly one trailing newline, \\n or \\r\\n, and nothing else', () => {
    assert.equal(plainText('line\n'), 'line');
    assert.equal(plainText('line\r\n'), 'line');
    assert.equal(plainText('line\n\n'), 'line\n');
    assert.equal(plainText('line\r'), 'line\r');
    assert.equal(plainText('  spaced  \n'), '  spaced  ');
    assert.equal(plainText('\n'), '');
    assert.equal(plainText('no newline'), 'no newline');
  });

  it('from a plain peer are text whatever they look like', () => {
    assert.deepEqual(decodePlainFrame(bytes('{"v":1,"type":"hello","name":"x"}\n')), {
      kind: 'text',
      text: '{"v":1,"type":"hello","name":"x"}',
    });
    assert.deepEqual(decodePlainFrame(bytes('{"v":1,"type":"ack","ids":["a"]}')), {
      kind: 'text',
      text: '{"v":1,"type":"ack","ids":["a"]}',
    });
    assert.equal(decodePlainFrame(new Uint8Array([0xff, 0x41])).kind, 'invalid');
  });
});
