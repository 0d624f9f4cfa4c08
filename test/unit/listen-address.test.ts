import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseListenAddress } from '../../src/config/listen-address.js';
import { listenFailure, planListen, type PortProbe } from '../../src/daemon/listen-ports.js';
import { StartupRefusal } from '../../src/daemon/startup-error.js';

describe('parseListenAddress', () => {
  it('reads TCP addresses of every family', () => {
    assert.deepEqual(parseListenAddress('/ip4/0.0.0.0/tcp/4747'), { family: 'ip4', host: '0.0.0.0', port: 4747 });
    assert.deepEqual(parseListenAddress('/ip6/::1/tcp/0'), { family: 'ip6', host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress('/dns4/host.lan/tcp/65535'), { family: 'dns4', host: 'host.lan', port: 65535 });
  });
  it('says what is wrong with the rest', () => {
    for (const [address, says] of [
      ['/ip4/1.2.3.4/tcp/65536', /TCP port/],
      ['/ip4/1.2.3.4/tcp/-1', /TCP port/],
      ['/ip4/1.2.3.4/udp/5000', /TCP only/],
      ['/ip4/1.2.3/tcp/1', /IPv4/],
      ['/ip6/zz::/tcp/1', /IPv6/],
      ['/unix/x/tcp/1', /address family/],
      ['ip4/1.2.3.4/tcp/1', /multiaddr/],
      ['/ip4/1.2.3.4/tcp/1/ws', /unexpected/],
    ] as const) {
      const result = parseListenAddress(address);
      assert.equal(typeof result, 'string', address);
      assert.match(result as string, says, address);
    }
  });
});

describe('planListen', () => {
  const busy: PortProbe = async (_host, port) => (port === 4747 ? 'EADDRINUSE' : undefined);
  it('moves the default port to a free one when it is taken', async () => {
    const plan = await planListen(['/ip4/0.0.0.0/tcp/4747'], true, busy);
    assert.deepEqual(plan.listen, ['/ip4/0.0.0.0/tcp/0']);
    assert.deepEqual(plan.fellBack, [{ from: '/ip4/0.0.0.0/tcp/4747', to: '/ip4/0.0.0.0/tcp/0' }]);
  });
  it('refuses the same port when the user chose it', async () => {
    await assert.rejects(planListen(['/ip4/0.0.0.0/tcp/4747'], false, busy), (err: Error) => {
      assert.ok(err instanceof StartupRefusal);
      assert.match(err.message, /^listen: \/ip4\/0\.0\.0\.0\/tcp\/4747 is already in use/);
      return true;
    });
  });
  it('leaves free ports, port 0 and host names alone', async () => {
    let probed = 0;
    const free: PortProbe = async () => {
      probed++;
      return undefined;
    };
    const listen = ['/ip4/127.0.0.1/tcp/5000', '/ip4/127.0.0.1/tcp/0', '/dns4/localhost/tcp/4747'];
    assert.deepEqual((await planListen(listen, true, free)).listen, listen);
    assert.equal(probed, 1);
  });
  it('turns libp2p’s listen error into a line naming the setting', () => {
    const err = Object.assign(
      new Error(
        'Some configured addresses failed ... set `transportManager.faultTolerance` to NO_FATAL: /ip4/1.2.3.4/tcp/1: Error: listen EADDRINUSE',
      ),
      {
        name: 'UnsupportedListenAddressesError',
      },
    );
    const refusal = listenFailure(err);
    assert.ok(refusal);
    assert.doesNotMatch(refusal.message, /faultTolerance/);
    assert.match(refusal.message, /^listen: cannot listen: \/ip4\/1\.2\.3\.4\/tcp\/1/);
    assert.equal(listenFailure(new Error('something else')), undefined);
  });
});
