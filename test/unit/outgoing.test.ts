import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/api-errors.js';
import { canCancel, canRetry, idConflict, pickMessage } from '../../src/daemon/outgoing.js';
import type { Message, MessageState } from '../../src/types.js';

function message(id: string, state: MessageState, extra: Partial<Message> = {}): Message {
  return {
    seq: 1,
    id,
    peerId: 'peer-a',
    direction: 'out',
    text: 't',
    time: '',
    storedAt: '',
    state,
    acked: true,
    request: false,
    ...extra,
  };
}

describe('cancel and retry decisions', () => {
  it('cancels only what is still in the outbox', () => {
    assert.equal(canCancel(message('a', 'queued')), true);
    assert.equal(canCancel(message('a', 'sent')), true);
    assert.equal(canCancel(message('a', 'sent', { acked: false })), false, 'sent to a plain peer is final');
    for (const state of ['delivered', 'expired', 'failed', 'cancelled'] as const)
      assert.equal(canCancel(message('a', state)), false, state);
    assert.equal(canCancel(message('a', 'received', { direction: 'in' })), false);
  });
  it('retries only failed, expired and cancelled messages', () => {
    for (const state of ['failed', 'expired', 'cancelled'] as const) assert.equal(canRetry(message('a', state)), true, state);
    for (const state of ['queued', 'sent', 'delivered'] as const) assert.equal(canRetry(message('a', state)), false, state);
  });
});

describe('pickMessage', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as ApiError).code;
    }
    return 'none';
  };
  it('takes the only match, or the exact id among longer ones', () => {
    assert.equal(pickMessage('01', [message('0123', 'queued')]).id, '0123');
    assert.equal(pickMessage('01', [message('01', 'queued'), message('0123', 'queued')]).id, '01');
  });
  it('says when nothing or several match', () => {
    assert.equal(
      code(() => pickMessage('9', [])),
      'not_found',
    );
    assert.equal(
      code(() => pickMessage('01', [message('0123', 'queued'), message('0145', 'queued')])),
      'ambiguous_message',
    );
    assert.equal(
      code(() => pickMessage('k', [message('k', 'queued'), message('k', 'queued', { peerId: 'peer-b' })])),
      'ambiguous_message',
      'one client id used for two peers',
    );
  });
});

describe('idConflict', () => {
  const stored = (peerId: string, id: string) => (peerId === 'p' && id === 'x' ? message('x', 'queued', { text: 'old' }) : undefined);
  it('allows repeats of the same text and new ids', () => {
    assert.equal(idConflict([{ peerId: 'p', id: 'x', text: 'old' }], stored), undefined);
    assert.equal(idConflict([{ peerId: 'q', id: 'x', text: 'other' }], stored), undefined, 'ids are per peer');
    assert.equal(idConflict([{ peerId: 'p', text: 'no id' }], stored), undefined);
  });
  it('names the message whose id is taken by another text, stored or earlier in the batch', () => {
    assert.match(idConflict([{ peerId: 'p', id: 'x', text: 'new' }], stored) ?? '', /message id x/);
    const batch = [
      { peerId: 'p', id: 'y', text: 'one' },
      { peerId: 'p', id: 'y', text: 'two' },
    ];
    assert.match(idConflict(batch, stored) ?? '', /^messages\.1: /);
  });
});
