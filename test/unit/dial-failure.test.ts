// What `p2pchat connect` says when a dial fails: libp2p's error, and what it usually means.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialFailureHint, dialFailureText } from '../../src/daemon/dial-failure.js';

describe('dial failures', () => {
  it('explains the errors seen in practice', () => {
    assert.match(dialFailureHint('connection error 127.0.0.1:4747: connect ECONNREFUSED 127.0.0.1:4747') ?? '', /nothing listens/);
    // What libp2p's limit of 5 new connections a second per address looks like from the dialler.
    assert.match(dialFailureHint('connection error 127.0.0.1:37149: connect ECONNRESET 127.0.0.1:37149') ?? '', /try again/);
    assert.match(dialFailureHint('Encryption failed') ?? '', /try again/);
    assert.match(dialFailureHint('The operation was aborted due to timeout') ?? '', /NAT/);
    assert.match(dialFailureHint('connect EHOSTUNREACH 10.0.0.9:4747') ?? '', /no route/);
    assert.equal(dialFailureHint('something new'), undefined);
  });

  it('keeps libp2p’s words and adds the hint in brackets', () => {
    assert.equal(dialFailureText('/ip4/1.2.3.4/tcp/1', 'something new'), 'could not connect to /ip4/1.2.3.4/tcp/1: something new');
    assert.match(dialFailureText('x', 'connect ECONNREFUSED'), /^could not connect to x: connect ECONNREFUSED \(nothing listens/);
  });
});
