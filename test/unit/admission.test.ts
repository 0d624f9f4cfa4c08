import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostOfAddress, subnetOf } from '../../src/trust/remote-host.js';
import { type AdmissionLimits, admitConnection, type CountedConnection, strangerCapacity } from '../../src/trust/admission.js';

const limits: AdmissionLimits = { maxConnections: 10, contactReservedConnections: 3, connectionsPerAddress: 2, connectionsPerSubnet: 4 };

const stranger = (host: string | undefined): CountedConnection => ({ state: 'stranger', host });
const contact = (host: string | undefined): CountedConnection => ({ state: 'contact', host });

describe('admitConnection', () => {
  it('refuses a blocked peer even with no connection at all', () => {
    assert.deepEqual(admitConnection({ state: 'blocked', host: '10.0.0.1' }, [], limits), { allow: false, reason: 'blocked' });
  });

  it('caps strangers per address, then per subnet, then in total', () => {
    const live = [stranger('10.0.0.1'), stranger('10.0.0.1')];
    assert.deepEqual(admitConnection({ state: 'stranger', host: '10.0.0.1' }, live, limits), { allow: false, reason: 'address_full' });
    assert.deepEqual(admitConnection({ state: 'stranger', host: '10.0.0.2' }, live, limits), { allow: true });
    const subnetFull = [...live, stranger('10.0.0.2'), stranger('10.0.0.3')];
    assert.deepEqual(admitConnection({ state: 'stranger', host: '10.0.0.4' }, subnetFull, limits), { allow: false, reason: 'subnet_full' });
    assert.deepEqual(admitConnection({ state: 'stranger', host: '10.0.1.4' }, subnetFull, limits), { allow: true });
    const allFull = [...subnetFull, stranger('10.0.1.1'), stranger('10.0.2.1'), stranger(undefined)];
    assert.equal(allFull.length, strangerCapacity(limits));
    assert.deepEqual(admitConnection({ state: 'stranger', host: '10.9.9.9' }, allFull, limits), { allow: false, reason: 'strangers_full' });
    assert.deepEqual(admitConnection({ state: 'stranger', host: undefined }, allFull, limits), { allow: false, reason: 'strangers_full' });
  });

  it('admits contacts past every stranger limit, and does not count them against strangers', () => {
    const full = [stranger('10.0.0.1'), stranger('10.0.0.1'), stranger('10.0.0.2'), stranger('10.0.0.3'), stranger('10.0.1.1')];
    const strangersFull = [...full, stranger('10.0.2.1'), stranger('10.0.3.1')];
    assert.deepEqual(admitConnection({ state: 'contact', host: '10.0.0.1' }, strangersFull, limits), { allow: true });
    const contactsOnOneHost = [contact('10.0.5.1'), contact('10.0.5.1'), contact('10.0.5.1'), contact('10.0.5.1')];
    assert.deepEqual(admitConnection({ state: 'stranger', host: '10.0.5.1' }, contactsOnOneHost, limits), { allow: true });
  });

  it('gives strangers nothing when the reserve takes every slot', () => {
    assert.equal(strangerCapacity({ ...limits, contactReservedConnections: 50 }), 0);
    assert.deepEqual(admitConnection({ state: 'stranger', host: '10.0.0.1' }, [], { ...limits, contactReservedConnections: 10 }), {
      allow: false,
      reason: 'strangers_full',
    });
  });
});

describe('hostOfAddress and subnetOf', () => {
  it('reads the IP address of a multiaddr, one spelling per host', () => {
    assert.equal(hostOfAddress('/ip4/192.168.1.20/tcp/4747'), '192.168.1.20');
    assert.equal(hostOfAddress('/ip4/192.168.1.20/tcp/4747/p2p/12D3KooWabc'), '192.168.1.20');
    assert.equal(hostOfAddress('/ip6/::ffff:192.168.1.20/tcp/4747'), '192.168.1.20');
    assert.equal(hostOfAddress('/ip6/::ffff:c0a8:114/tcp/4747'), '192.168.1.20');
    assert.equal(hostOfAddress('/ip6/fe80::1%eth0/tcp/1'), 'fe80:0000:0000:0000:0000:0000:0000:0001');
    assert.equal(hostOfAddress('/ip6/2001:DB8::1/tcp/1'), hostOfAddress('/ip6/2001:db8:0:0:0:0:0:1/tcp/1'));
    assert.equal(hostOfAddress('/ip6/::1/tcp/1'), '0000:0000:0000:0000:0000:0000:0000:0001');
  });

  it('counts relayed and non-IP addresses against no address', () => {
    assert.equal(hostOfAddress('/ip4/10.0.0.1/tcp/1/p2p/12D3KooWrelay/p2p-circuit/p2p/12D3KooWpeer'), undefined);
    assert.equal(hostOfAddress('/dns4/example.com/tcp/1'), undefined);
    assert.equal(hostOfAddress('/unix/tmp/x.sock'), undefined);
    assert.equal(hostOfAddress('/ip4/999.1.1.1/tcp/1'), undefined);
  });

  it('groups IPv4 by /24 and IPv6 by /64', () => {
    assert.equal(subnetOf('10.1.2.3'), '10.1.2.0/24');
    assert.equal(subnetOf(hostOfAddress('/ip6/2001:db8:1:2:3::4/tcp/1') as string), '2001:0db8:0001:0002::/64');
    assert.equal(
      subnetOf(hostOfAddress('/ip6/2001:db8:1:2::9/tcp/1') as string),
      subnetOf(hostOfAddress('/ip6/2001:db8:1:2:ffff::1/tcp/1') as string),
    );
  });
});
