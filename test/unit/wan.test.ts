// Beyond the LAN, the decisions: which addresses the DHT hands out, how a peer is connected, what
// this daemon's reachability is, invitations, the relay's limits and the redial backoff.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { parseConnectTarget } from '../../src/cli/connect-address.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { dataLimitEncodesWell } from '../../src/config/wan-schema.js';
import { announceFilter } from '../../src/node/addresses.js';
import { bestPath, connectionPath, isPrivateAddress, relayOf, shareableAddress } from '../../src/wan/address-policy.js';
import { decodeInvitation, encodeInvitation, INVITATION_PREFIX, InvitationError } from '../../src/wan/invitation.js';
import { nextBackoff } from '../../src/wan/peer-keeper.js';
import { reachabilityWords } from '../../src/wan/reach-words.js';
import { reachabilityOf } from '../../src/wan/reachability.js';
import { dhtAddressMapper, dhtServes, relayServerInit, wanEnabled, wanNodeOptions } from '../../src/wan/wan-options.js';

const RELAY = '12D3KooWAoiFz9FCrn1F3gsascDYLtTRCZ12Fn4toVKkyGQqgMRK';
const PEER = '12D3KooWM1F1aoTiBw3mkujQ6yoxncWhHifwRiJQRarRfyo3ERKU';
const circuit = (relayHost: string) => `/ip4/${relayHost}/tcp/4747/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`;

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('beyond-the-LAN address policy', () => {
  it('private, shared, link-local, test and loopback ranges are private; DNS names and other addresses are public', () => {
    for (const a of [
      '/ip4/10.1.2.3/tcp/1',
      '/ip4/172.20.0.1/tcp/1',
      '/ip4/192.168.1.2/tcp/1',
      '/ip4/100.64.0.1/tcp/1',
      '/ip4/127.0.0.1/tcp/1',
      '/ip4/198.18.0.1/tcp/1',
      '/ip4/203.0.113.9/tcp/1',
      '/ip6/fd00::1/tcp/1',
      '/ip6/fe80::1/tcp/1',
      '/ip6/::1/tcp/1',
    ]) {
      assert.equal(isPrivateAddress(a), true, a);
    }
    for (const a of ['/ip4/1.2.3.4/tcp/1', '/ip4/172.32.0.1/tcp/1', '/ip6/2a01:4f8::1/tcp/1', '/dns4/relay.example.org/tcp/4747']) {
      assert.equal(isPrivateAddress(a), false, a);
    }
  });

  it('the DHT never hands out loopback addresses, and private ones only on a private network', () => {
    assert.equal(shareableAddress('/ip4/127.0.0.1/tcp/4747', true), false);
    assert.equal(shareableAddress(circuit('127.0.0.1'), true), false, 'a relay address through the relay’s loopback');
    assert.equal(shareableAddress('/ip4/10.0.0.5/tcp/4747', false), false);
    assert.equal(shareableAddress('/ip4/10.0.0.5/tcp/4747', true), true);
    assert.equal(shareableAddress(circuit('10.0.0.1'), false), false, 'a relay address is judged by the relay’s address');
    assert.equal(shareableAddress(circuit('1.2.3.4'), false), true);
    assert.equal(shareableAddress('/dns4/relay.example.org/tcp/4747', false), true);
  });

  it('the DHT mapper applies that policy to a peer record', () => {
    const peer = {
      id: peerIdFromString(PEER),
      multiaddrs: ['/ip4/127.0.0.1/tcp/1', '/ip4/192.168.1.2/tcp/1', circuit('1.2.3.4')].map((a) => multiaddr(a)),
    };
    assert.deepEqual(
      dhtAddressMapper(false)(peer).multiaddrs.map((a) => a.toString()),
      [circuit('1.2.3.4')],
    );
    assert.deepEqual(
      dhtAddressMapper(true)(peer).multiaddrs.map((a) => a.toString()),
      ['/ip4/192.168.1.2/tcp/1', circuit('1.2.3.4')],
    );
  });

  it('relay addresses through the relay’s loopback are not announced when there is anything else', () => {
    const announced = announceFilter([circuit('127.0.0.1'), circuit('10.0.0.1'), '/ip4/10.0.0.7/tcp/4747'].map((a) => multiaddr(a)));
    assert.deepEqual(
      announced.map((a) => a.toString()),
      [circuit('10.0.0.1'), '/ip4/10.0.0.7/tcp/4747'],
    );
  });

  it('a peer is connected through a relay, directly on a private network, or directly over the internet; direct wins', () => {
    assert.equal(relayOf(circuit('1.2.3.4')), RELAY);
    assert.equal(connectionPath(circuit('1.2.3.4')), 'relayed');
    assert.equal(connectionPath('/ip4/192.168.1.2/tcp/4747'), 'lan');
    assert.equal(connectionPath('/ip4/1.2.3.4/tcp/4747'), 'wan');
    assert.equal(bestPath([circuit('1.2.3.4'), '/ip4/1.2.3.4/tcp/4747']), 'wan');
    assert.equal(bestPath([circuit('1.2.3.4')]), 'relayed');
    assert.equal(bestPath([]), undefined);
  });
});

describe('reachability', () => {
  const mine = '/ip4/192.168.1.7/tcp/4747';
  it('is lan-only unless beyond-the-LAN is on', () => {
    assert.equal(reachabilityOf({ enabled: false, addresses: [mine, circuit('1.2.3.4')], announced: [] }).mode, 'lan-only');
  });
  it('behind a NAT with no reservation, then relayed through the relays held', () => {
    assert.deepEqual(reachabilityOf({ enabled: true, addresses: [mine], announced: [] }), {
      mode: 'behind-nat',
      relays: [],
      publicAddresses: [],
    });
    assert.deepEqual(reachabilityOf({ enabled: true, addresses: [mine, circuit('1.2.3.4')], announced: [] }), {
      mode: 'relayed',
      relays: [RELAY],
      publicAddresses: [],
    });
  });
  it('public with a public address listened on or one announced in the config (whatever its range)', () => {
    assert.equal(reachabilityOf({ enabled: true, addresses: ['/ip4/1.2.3.4/tcp/4747'], announced: [] }).mode, 'public');
    const announced = reachabilityOf({ enabled: true, addresses: [mine], announced: ['/ip4/10.9.0.1/tcp/4747'] });
    assert.deepEqual(announced.publicAddresses, ['/ip4/10.9.0.1/tcp/4747']);
  });
  it('in words, the same for status and the web app; each address or id through the caller’s escaping', () => {
    const base = { relays: [], publicAddresses: [], relayReservations: null, dhtPeers: null };
    assert.match(reachabilityWords(undefined), /^LAN only/);
    assert.match(reachabilityWords({ ...base, mode: 'lan-only' }), /^LAN only/);
    assert.equal(reachabilityWords({ ...base, mode: 'behind-nat', dhtPeers: 3 }), 'behind NAT, no relay reservation yet; 3 DHT peers');
    assert.equal(
      reachabilityWords({ ...base, mode: 'relayed', relays: ['r1', 'r2'] }, (t) => `<${t}>`),
      'behind NAT, relayed via <r1>, <r2>',
    );
    assert.equal(
      reachabilityWords({ ...base, mode: 'public', publicAddresses: ['/ip4/1.2.3.4/tcp/4747'], relayReservations: 2 }),
      'public at /ip4/1.2.3.4/tcp/4747; relay for 2 peers',
    );
  });
});

describe('invitations', () => {
  it('carry the peer id and addresses, each ending in the peer id', () => {
    const text = encodeInvitation({ peerId: PEER, addresses: [circuit('1.2.3.4'), '/ip4/192.168.1.7/tcp/4747'] });
    assert.ok(text.startsWith(INVITATION_PREFIX));
    assert.deepEqual(decodeInvitation(`  ${text}\n`), {
      peerId: PEER,
      addresses: [circuit('1.2.3.4'), `/ip4/192.168.1.7/tcp/4747/p2p/${PEER}`],
    });
  });
  it('damaged or hostile ones are refused with a reason', () => {
    const body = (value: unknown) => INVITATION_PREFIX + Buffer.from(JSON.stringify(value)).toString('base64url');
    assert.throws(() => decodeInvitation('hello'), InvitationError);
    assert.throws(() => decodeInvitation(`${INVITATION_PREFIX}!!!`), /damaged/);
    assert.throws(() => decodeInvitation(`${INVITATION_PREFIX}${'A'.repeat(9000)}`), /longer than/);
    assert.throws(() => decodeInvitation(body({ v: 2, id: PEER, a: [] })), /version/);
    assert.throws(() => decodeInvitation(body({ v: 1, id: 'nope', a: [] })), /peer id/);
    assert.throws(() => decodeInvitation(body({ v: 1, id: PEER, a: new Array(17).fill('/ip4/1.2.3.4/tcp/1') })), /at most 16/);
    assert.deepEqual(decodeInvitation(body({ v: 1, id: PEER, a: [5, 'x', '/ip4/1.2.3.4/tcp/1'] })).addresses, [
      `/ip4/1.2.3.4/tcp/1/p2p/${PEER}`,
    ]);
  });
  it('the CLI passes invitations and peer ids to the daemon as typed, and still parses host:port', () => {
    assert.deepEqual(parseConnectTarget(PEER), { peerRef: PEER });
    assert.deepEqual(parseConnectTarget(`${INVITATION_PREFIX}abc`), { peerRef: `${INVITATION_PREFIX}abc` });
    assert.deepEqual(parseConnectTarget('laptop.local'), { host: 'laptop.local', port: 4747, peer: undefined });
  });
});

describe('relay and DHT settings', () => {
  it('the relay’s limits come from the config, the duration in milliseconds as the server takes it', () => {
    const init = relayServerInit({
      server: true,
      reservationsFrom: 'anyone',
      maxReservations: 256,
      reservationTtlSeconds: 7200,
      durationLimitSeconds: 3600,
      dataLimitBytes: 1 << 30,
    });
    assert.deepEqual(init.reservations, {
      maxReservations: 256,
      reservationTtl: 7_200_000,
      applyDefaultLimit: true,
      defaultDurationLimit: 3_600_000,
      defaultDataLimit: 1073741824n,
    });
  });
  it('data limits that libp2p encodes wrongly (2^31 to 2^32 - 1) are refused', () => {
    assert.equal(dataLimitEncodesWell(2 ** 31 - 1), true);
    assert.equal(dataLimitEncodesWell(2 ** 31), false);
    assert.equal(dataLimitEncodesWell(2 ** 32 - 1), false);
    assert.equal(dataLimitEncodesWell(2 ** 32), true);
    const dir = mkdtempSync(join(tmpdir(), 'p2pchat-wan-config-'));
    dirs.push(dir);
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ relay: { dataLimitBytes: 2 ** 31 } }));
    assert.throws(
      () => loadConfig({ home: dir, config: file }, {}),
      (err: Error) => err instanceof ConfigError && /relay.dataLimitBytes/.test(err.message),
    );
  });
  it('off by default; on with wan.enabled or as a relay server, which also serves the DHT', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pchat-wan-config-'));
    dirs.push(dir);
    const defaults = loadConfig({ home: dir }, {});
    assert.equal(wanEnabled(defaults), false);
    assert.deepEqual(wanNodeOptions(defaults), { listen: [], extraTransports: [], extraServices: {}, announce: [] });
    const client = loadConfig({ home: dir, wan: true }, {});
    assert.equal(wanEnabled(client), true);
    assert.equal(dhtServes(client), false);
    assert.deepEqual(wanNodeOptions(client).listen, ['/p2p-circuit']);
    assert.deepEqual(Object.keys(wanNodeOptions(client).extraServices ?? {}).sort(), ['dht', 'identifyPush', 'ping']);
    const relay = loadConfig({ home: dir }, { P2PCHAT_RELAY_SERVER: '1' });
    assert.equal(wanEnabled(relay), true);
    assert.equal(dhtServes(relay), true);
    assert.deepEqual(wanNodeOptions(relay).listen, [], 'a relay reserves on no other relay');
    assert.ok('relay' in (wanNodeOptions(relay).extraServices ?? {}));
  });
});

describe('redialling relays and bootstrap peers', () => {
  it('backs off by doubling up to the longest delay, and never gives up', () => {
    let delay = 1000;
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = nextBackoff(delay, 0, 30_000);
      seen.push(next.at);
      delay = next.delayMs;
    }
    assert.deepEqual(seen, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});
