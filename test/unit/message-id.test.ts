import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newMessageId } from '../../src/store/message-id.js';

describe('message ids', () => {
  it('are RFC 9562 version 7 UUIDs carrying the time', () => {
    const now = Date.UTC(2026, 10, 24, 7, 0, 0, 123);
    const id = newMessageId(now);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now);
  });

  it('sort by time and do not repeat', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => newMessageId(1_700_000_000_000 + Math.floor(i / 100)));
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 100; i < ids.length; i += 100) assert.ok((ids[i - 1] as string).slice(0, 13) < (ids[i] as string).slice(0, 13));
  });
});
