// The configuration reference and the example config are generated from the schema: these tests fail
// when they are stale (run `npm run docs:config`), or when what they promise is not what the code does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_FILE, FLAGS, REFERENCE_FILE, REPO_ROOT, renderExample, renderReference } from '../../scripts/gen-config-docs.js';
import { ENV_VARS, validateConfig } from '../../src/config/load.js';

const read = (file: string) => readFileSync(new URL(file, REPO_ROOT), 'utf8');
const STALE = 'is stale: run `npm run docs:config` and commit the result';

describe('generated configuration docs', () => {
  it(`${REFERENCE_FILE} matches the schema, the environment variables and the defaults`, () => {
    assert.equal(read(REFERENCE_FILE), renderReference(), `${REFERENCE_FILE} ${STALE}`);
  });

  it(`${EXAMPLE_FILE} matches them too`, () => {
    assert.equal(read(EXAMPLE_FILE), renderExample(), `${EXAMPLE_FILE} ${STALE}`);
  });

  it('document every key, with its environment variable', () => {
    const reference = renderReference();
    for (const [name, { path }] of Object.entries(ENV_VARS)) {
      assert.ok(reference.includes(`### \`${path.join('.')}\``), `no section for ${path.join('.')}`);
      assert.ok(reference.includes(`\`${name}\``), `${name} is not documented`);
    }
  });

  it('give an example that, without its comments, is a valid config equal to the defaults', () => {
    const json = renderExample()
      .split('\n')
      .filter((line) => !/^\s*\/\//.test(line))
      .join('\n');
    const example = validateConfig(JSON.parse(json), EXAMPLE_FILE);
    assert.deepEqual(example, JSON.parse(read('config/default.json')));
  });

  it('name only flags that `p2pchat daemon` has', () => {
    const cli = fileURLToPath(new URL('bin/p2pchat.js', REPO_ROOT));
    const help = ['--help', 'daemon --help']
      .map((args) => spawnSync(process.execPath, [cli, ...args.split(' ')], { encoding: 'utf8' }).stdout)
      .join('\n');
    for (const flag of Object.values(FLAGS)) {
      const name = flag.split(' ')[0] as string;
      assert.match(help, new RegExp(`\\s${name}\\b`), `${name} is not in p2pchat's help`);
    }
  });
});
