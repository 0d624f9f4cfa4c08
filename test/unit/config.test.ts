import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { defaultPaths, MAX_SOCKET_PATH_BYTES } from '../../src/config/paths.js';

const homes: string[] = [];
const home = () => {
  const dir = mkdtempSync(join(tmpdir(), 'p2pchat-config-'));
  homes.push(dir);
  return dir;
};
after(() => {
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('uses built-in defaults with a home directory', () => {
    const dir = home();
    const config = loadConfig({ home: dir }, {});
    assert.equal(config.dataDir, dir);
    assert.equal(config.socket, join(dir, 'p2pchat.sock'));
    assert.deepEqual(config.listen, ['/ip4/0.0.0.0/tcp/4747']);
    assert.equal(config.mdns.enabled, true);
    assert.ok(config.name.length > 0, 'name defaults to the host name');
  });

  it('tells a built-in listen address (whose port may fall back) from one the user set anywhere', () => {
    const dir = home();
    assert.equal(loadConfig({ home: dir }, {}).listenIsDefault, true);
    assert.equal(loadConfig({ home: dir, listen: ['/ip4/0.0.0.0/tcp/4747'] }, {}).listenIsDefault, false);
    assert.equal(loadConfig({ home: dir }, { P2PCHAT_LISTEN: '/ip4/0.0.0.0/tcp/4747' }).listenIsDefault, false);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ listen: ['/ip4/0.0.0.0/tcp/4747'] }));
    assert.equal(loadConfig({ home: dir }, {}).listenIsDefault, false);
  });

  it('applies file, then env, then flags', () => {
    const dir = home();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'from-file', logLevel: 'debug', mdns: { intervalMs: 2000 } }));
    const env = { P2PCHAT_NAME: 'from-env', P2PCHAT_MDNS: 'false' };
    const fromEnv = loadConfig({ home: dir }, env);
    assert.equal(fromEnv.name, 'from-env');
    assert.equal(fromEnv.logLevel, 'debug');
    assert.equal(fromEnv.mdns.enabled, false);
    assert.equal(fromEnv.mdns.intervalMs, 2000);
    const fromFlags = loadConfig({ home: dir, name: 'from-flag', listen: ['/ip4/127.0.0.1/tcp/0'] }, env);
    assert.equal(fromFlags.name, 'from-flag');
    assert.deepEqual(fromFlags.listen, ['/ip4/127.0.0.1/tcp/0']);
  });

  it('names the bad key and what was expected', () => {
    const dir = home();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ mdns: { intervalMs: 'often' } }));
    assert.throws(
      () => loadConfig({ home: dir }, {}),
      (err: Error) => err instanceof ConfigError && /mdns\.intervalMs/.test(err.message),
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ lisen: [] }));
    assert.throws(() => loadConfig({ home: dir }, {}), /unknown key\(s\) lisen/);
    writeFileSync(join(dir, 'config.json'), '{ nope');
    assert.throws(() => loadConfig({ home: dir }, {}), /not valid JSON/);
    assert.throws(() => loadConfig({ home: home() }, { P2PCHAT_MDNS: 'maybe' }), /P2PCHAT_MDNS: expected true or false/);
    assert.throws(() => loadConfig({ home: home(), listen: ['not-an-addr'] }, {}), /listen\.0/);
  });

  it('moves the socket out of a home whose path is too long', () => {
    const long = join(tmpdir(), 'x'.repeat(120));
    const paths = defaultPaths({ home: long, env: { XDG_RUNTIME_DIR: '/run/user/1000' } });
    assert.ok(Buffer.byteLength(paths.socketPath) <= MAX_SOCKET_PATH_BYTES);
    assert.match(paths.socketPath, /^\/run\/user\/1000\/p2pchat\/[0-9a-f]{16}\.sock$/);
  });
});
