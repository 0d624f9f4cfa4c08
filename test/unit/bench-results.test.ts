// What the bench makes of a run's figures: issue 16's rows with ratios to the same run's
// baselines, and the charts' data (which cases, which baselines, which latency samples).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cpuCases, latencySeries, throughputCases, writeCharts } from '../../bench/lib/chart-files.js';
import { cpuTicksFromStat } from '../../bench/lib/cpu.js';
import { issueRows, issueRowsMarkdown } from '../../bench/lib/issue-rows.js';
import { Results } from '../../bench/lib/results.js';
import { assertWellFormedXml } from '../helpers/xml.js';

/** A run like scenario 1–3's, with one sample per figure. */
function sampleRun(): Results {
  const r = new Results();
  r.add('raw', '100 B msg/s', 'msg/s', 'higher', [200_000]);
  r.add('libp2p', '100 B msg/s', 'msg/s', 'higher', [20_000], { baselines: ['raw/100 B msg/s'] });
  r.add('libp2p', '100 B msg/s, 128 per write', 'msg/s', 'higher', [900_000]);
  r.add('libp2p', '4 KiB msg/s', 'msg/s', 'higher', [15_000]);
  r.add('p2pchat', 'client alone, 64 clients: answered req/s', 'req/s', 'higher', [16_000], { baselines: ['libp2p/100 B msg/s'] });
  const delivered = (name: string, value: number, baselines: string[]) =>
    r.add('p2pchat', `${name}: delivered msg/s`, 'msg/s', 'higher', [value], { baselines });
  delivered('100 B, 1 client', 800, ['libp2p/100 B msg/s', 'raw/100 B msg/s']);
  delivered('100 B, 8 clients', 6000, ['libp2p/100 B msg/s', 'raw/100 B msg/s']);
  delivered('100 B, 64 clients', 9000, ['libp2p/100 B msg/s', 'raw/100 B msg/s', 'p2pchat/client alone, 64 clients: answered req/s']);
  delivered('100 B, 4 × batches of 100', 17_000, ['libp2p/100 B msg/s']);
  delivered('4 KiB, 4 × batches of 100', 6000, ['libp2p/4 KiB msg/s']);
  delivered('100 B backlog of 20000', 21_000, ['libp2p/100 B msg/s', 'libp2p/100 B msg/s, 128 per write']);
  r.add('p2pchat', '100 B, 64 clients: received msg/s', 'msg/s', 'higher', [9100], { baselines: ['libp2p/100 B msg/s'] });
  for (const [who, value] of [
    ['sender daemon', 500],
    ['receiver daemon', 100],
    ['bench (client, event streams)', 360],
  ] as const) {
    r.add('p2pchat', `100 B, 64 clients: CPU per message, ${who}`, 'µs', 'lower', [value]);
    r.add('p2pchat', `100 B, 4 × batches of 100: CPU per message, ${who}`, 'µs', 'lower', [value / 8]);
  }
  r.add('p2pchat', 'send → remote event p50', 'ms', 'lower', [0.9]);
  r.add('p2pchat', 'send → remote event p99', 'ms', 'lower', [3.5]);
  r.keepSamples('p2pchat/send → remote event', [0.8, 0.9, 3.5]);
  r.keepSamples('p2pchat/send → remote event', [1.0]);
  r.keepSamples('libp2p/round trip 100 B', [0.2, 0.3]);
  r.computeRatios();
  return r;
}

function row(rows: ReturnType<typeof issueRows>, start: string) {
  const found = rows.find((x) => x.figure.startsWith(start));
  assert.ok(found, `a row for ${start}`);
  return found;
}

describe("issue 16's rows", () => {
  it('gives each measured row its median and its ratio to the baseline of the same run, and whether the target is met', () => {
    const rows = issueRows(sampleRun());
    assert.deepEqual(row(rows, '100 B, one message per request, 1 client'), {
      figure: '100 B, one message per request, 1 client: delivered msg/s vs bare libp2p',
      before: '856 msg/s, 0.03×',
      target: 'no figure',
      now: '800 msg/s, 0.04×',
      met: undefined,
    });
    assert.equal(row(rows, '100 B, one message per request, 8 clients').now, '6,000 msg/s, 0.30×');
    assert.equal(row(rows, '100 B, one message per request, 8 clients').met, true);
    assert.equal(row(rows, '100 B, one message per request, 64 clients').now, '9,000 msg/s, 0.45×');
    assert.equal(row(rows, '100 B, one message per request, 64 clients').met, false);
    assert.equal(row(rows, '100 B, batches of 100').met, true);
    assert.equal(row(rows, '4 KiB, batches of 100').now, '6,000 msg/s, 0.40×', 'the 4 KiB case is compared with 4 KiB frames');
    assert.equal(row(rows, 'send → remote event').now, '0.900 ms / 3.50 ms');
    assert.equal(row(rows, 'send → remote event').met, false, 'both percentiles must meet their targets');
    assert.equal(row(rows, 'backlog drain').now, '21,000 msg/s, 1.05×', 'found whatever the backlog size');
    assert.equal(row(rows, 'the bench client alone').now, '- / - / 0.80×');
  });

  it('says which rows this run did not measure instead of leaving them out', () => {
    const rows = issueRows(new Results());
    assert.equal(rows.length, issueRows(sampleRun()).length);
    for (const r of rows) {
      assert.equal(r.now, 'not measured in this run');
      assert.equal(r.met, undefined);
    }
    const mesh = row(issueRows(sampleRun()), 'mesh N=30 in netns');
    assert.equal(mesh.now, 'not measured in this run');
  });

  it('fills the mesh and memory rows from their scenarios', () => {
    const r = new Results();
    r.add('mesh', 'N=30: all ready → full mesh (discovery and dials)', 'ms', 'lower', [4200]);
    r.add('mesh', 'N=3: RSS per daemon, median', 'MB', 'lower', [60]);
    r.add('mesh', 'N=30: RSS per daemon, median', 'MB', 'lower', [98]);
    r.add('memory', 'idle daemon RSS', 'MB', 'lower', [69]);
    r.computeRatios();
    const rows = issueRows(r);
    assert.deepEqual([row(rows, 'mesh N=30 in netns').now, row(rows, 'mesh N=30 in netns').met], ['4.2 s', true]);
    assert.deepEqual([row(rows, 'RSS per daemon').now, row(rows, 'RSS per daemon').met], ['60.0 MB / 98.0 MB', false]);
    assert.equal(row(rows, 'memory per connection').now, '1.00 MB');
  });

  it('prints a Markdown table with one line per row', () => {
    const rows = issueRows(sampleRun());
    const lines = issueRowsMarkdown(rows).split('\n');
    assert.equal(lines.length, rows.length + 2);
    assert.equal(lines[0], "| figure | issue's figure (before) | now | target | met |");
  });
});

describe('chart data', () => {
  it('takes every delivered case with its libp2p and client-alone baselines, not the raw or 128-per-write ones', () => {
    const cases = throughputCases(sampleRun());
    assert.deepEqual(
      cases.map((c) => c.label),
      [
        '100 B, 1 client',
        '100 B, 8 clients',
        '100 B, 64 clients',
        '100 B, 4 × batches of 100',
        '4 KiB, 4 × batches of 100',
        '100 B backlog of 20000',
      ],
    );
    assert.deepEqual(cases[2]?.baselines, [
      { label: 'bare libp2p 100 B', value: 20_000 },
      { label: 'client alone, 64 clients', value: 16_000 },
    ]);
    assert.deepEqual(cases[5]?.baselines, [{ label: 'bare libp2p 100 B', value: 20_000 }]);
  });

  it('stacks the CPU per message of each case by process, in the order the bench measured them', () => {
    assert.deepEqual(cpuCases(sampleRun()), [
      {
        label: '100 B, 64 clients',
        parts: [
          { label: 'sender daemon', value: 500 },
          { label: 'receiver daemon', value: 100 },
          { label: 'bench (client, event streams)', value: 360 },
        ],
      },
      {
        label: '100 B, 4 × batches of 100',
        parts: [
          { label: 'sender daemon', value: 62.5 },
          { label: 'receiver daemon', value: 12.5 },
          { label: 'bench (client, event streams)', value: 45 },
        ],
      },
    ]);
  });

  it('draws the latency samples of all repetitions, in a fixed order, and skips what was not kept', () => {
    const series = latencySeries(sampleRun());
    assert.deepEqual(
      series.map((s) => [s.label, s.samplesMs.length]),
      [
        ['p2pchat: send → remote event', 4],
        ['bare libp2p: round trip of 100 B', 2],
      ],
    );
  });

  it('writes the charts next to the results, valid even for a run without figures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pchat-charts-'));
    try {
      const written = writeCharts({ ...sampleRun(), options: { client: 'undici' } }, dir, 'run');
      assert.deepEqual(readdirSync(dir).sort(), ['run-cpu.svg', 'run-latency.svg', 'run-throughput.svg']);
      for (const file of written) assertWellFormedXml(readFileSync(file, 'utf8'));
      assert.match(readFileSync(join(dir, 'run-throughput.svg'), 'utf8'), /undici 7/);
      writeCharts({ figures: [] }, dir, 'empty');
      for (const name of ['empty-cpu.svg', 'empty-latency.svg', 'empty-throughput.svg'])
        assertWellFormedXml(readFileSync(join(dir, name), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CPU time from /proc', () => {
  it('reads user + system ticks after a command name with spaces and parentheses', () => {
    const line = '4242 (node (a) b) S 1 4242 4242 0 -1 4194304 1200 0 0 0 731 269 0 0 20 0 11 0 100 0 0 18446744073709551615';
    assert.equal(cpuTicksFromStat(line), 1000);
    assert.throws(() => cpuTicksFromStat('4242 (node) S 1'), /not a \/proc/);
  });
});
