import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/api-errors.js';
import { resolvePeer } from '../../src/control/resolve-peer.js';

const peers = [
  { peerId: '12D3KooWAAAA1111', name: 'alice' },
  { peerId: '12D3KooWAAAB2222', name: 'bob' },
  { peerId: '12D3KooWCCCC3333', name: 'bob' },
];

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? err.code : 'other';
  }
  return undefined;
}

describe('resolvePeer', () => {
  it('matches a full id, a unique prefix, or a unique name', () => {
    assert.equal(resolvePeer('12D3KooWCCCC3333', peers).peerId, '12D3KooWCCCC3333');
    assert.equal(resolvePeer('12D3KooWAAAA', peers).peerId, '12D3KooWAAAA1111');
    assert.equal(resolvePeer('alice', peers).peerId, '12D3KooWAAAA1111');
  });

  it('reports ambiguous and unknown targets with candidates', () => {
    assert.equal(
      code(() => resolvePeer('bob', peers)),
      'ambiguous_peer',
    );
    assert.equal(
      code(() => resolvePeer('12D3KooWAAA', peers)),
      'ambiguous_peer',
    );
    assert.equal(
      code(() => resolvePeer('carol', peers)),
      'unknown_peer',
    );
    assert.equal(
      code(() => resolvePeer('   ', peers)),
      'bad_request',
    );
    try {
      resolvePeer('bob', peers);
    } catch (err) {
      assert.equal(((err as ApiError).toJSON().candidates as unknown[]).length, 2);
    }
  });
});
