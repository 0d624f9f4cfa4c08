// The bench's SVG writer and charts: well-formed XML whatever the labels say, scales that put
// values where they belong, and a readable answer for a run without data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRatio, formatTick, latencyChart, stackedChart, throughputChart } from '../../bench/lib/charts.js';
import { percentile } from '../../bench/lib/stats.js';
import { formatNumber } from '../../bench/lib/table.js';
import { el, escapeXml, linearScale, logScale, logTicks, niceTicks, num, svgDocument, text } from '../../bench/lib/svg.js';
import { assertWellFormedXml } from '../helpers/xml.js';

const HOSTILE = `</text><script>alert("x")</script> & 'quotes' \u0000\u0007 \ud800 <!-- -->`;

/** Numbers of one attribute over all elements of a kind, for example every rect's width. */
function attributeValues(svg: string, element: string, attribute: string): number[] {
  const values: number[] = [];
  for (const tag of svg.matchAll(new RegExp(`<${element}\\b[^>]*>`, 'g'))) {
    const m = new RegExp(`\\s${attribute}="([^"]*)"`).exec(tag[0]);
    if (m) values.push(Number(m[1]));
  }
  return values;
}

describe('SVG writer', () => {
  it('escapes markup, quotes and ampersands, and drops characters XML cannot carry', () => {
    assert.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    assert.equal(escapeXml('a\u0000b\u001fc\td\ne'), 'abc\td\ne');
    assert.equal(escapeXml('lone \ud800 and \udc00 surrogates, a pair 😀 stays'), 'lone  and  surrogates, a pair 😀 stays');
  });

  it('keeps hostile text in text nodes and attribute values inert', () => {
    const svg = svgDocument(100, 50, HOSTILE, text(1, 2, HOSTILE, { 'data-label': HOSTILE }), el('g', { class: HOSTILE }));
    assert.equal(assertWellFormedXml(svg), 'svg');
    assert.ok(!svg.includes('<script'), 'no element comes out of a label');
    assert.ok(!svg.includes('\u0000'));
  });

  it('refuses attribute names that would break the markup', () => {
    assert.throws(() => el('rect', { 'x" onload="alert(1)': 1 }), /not an attribute name/);
  });

  it('writes numbers short and never as NaN or Infinity', () => {
    assert.equal(num(1 / 3), '0.33');
    assert.equal(num(120), '120');
    assert.equal(num(Number.NaN), '0');
    assert.equal(num(Number.POSITIVE_INFINITY), '0');
  });

  it('maps domains onto pixel ranges', () => {
    const x = linearScale([0, 200], [50, 250]);
    assert.equal(x(0), 50);
    assert.equal(x(100), 150);
    assert.equal(x(200), 250);
    const down = linearScale([0, 1], [300, 100]);
    assert.equal(down(0.25), 250);
    assert.equal(linearScale([5, 5], [10, 20])(5), 10, 'an empty domain maps to the start, not NaN');
    const log = logScale([1, 100], [0, 200]);
    assert.equal(log(1), 0);
    assert.equal(log(10), 100);
    assert.equal(log(100), 200);
    assert.equal(log(0), 0, 'zero has no logarithm: drawn at the start');
  });

  it('chooses round ticks inside the domain', () => {
    assert.deepEqual(niceTicks(0, 4186, 5), [0, 1000, 2000, 3000, 4000]);
    assert.deepEqual(niceTicks(0, 1, 4), [0, 0.5, 1]);
    for (const t of niceTicks(0, 0.9, 5)) assert.ok(t >= 0 && t <= 0.9 + 1e-9, `tick ${t} inside [0, 0.9]`);
    assert.deepEqual(niceTicks(3, 3), [3]);
    assert.deepEqual(niceTicks(Number.NaN, 1), []);
    assert.deepEqual(logTicks(0.3, 120), [0.5, 1, 2, 5, 10, 20, 50, 100]);
    assert.deepEqual(logTicks(0, 10), []);
  });

  it('formats ticks and ratios for people', () => {
    assert.equal(formatTick(0), '0');
    assert.equal(formatTick(50_000), '50k');
    assert.equal(formatTick(0.5), '0.5');
    assert.equal(formatRatio(0.0912), '0.09×');
    assert.equal(formatRatio(1.03), '1.0×');
    assert.equal(formatRatio(12.4), '12×');
  });
});

describe('latency chart', () => {
  it('says so when a run kept no samples, and is still a valid SVG', () => {
    for (const svg of [latencyChart([], 'Latency'), latencyChart([{ label: 'empty', samplesMs: [] }], 'Latency')]) {
      assertWellFormedXml(svg);
      assert.match(svg, /no data in this run/);
      assert.ok(!svg.includes('NaN'));
    }
  });

  it('draws each series as a CDF with its p50 and p99 in the legend and on the curve', () => {
    const fast = Array.from({ length: 1000 }, (_, i) => 0.2 + i / 1000);
    const slow = Array.from({ length: 300 }, (_, i) => 1 + (i % 100) / 10);
    const svg = latencyChart(
      [
        { label: 'bare libp2p', samplesMs: fast },
        { label: `p2pchat <${HOSTILE}>`, samplesMs: slow },
      ],
      'Latency',
    );
    assertWellFormedXml(svg);
    const sorted = [...slow].sort((a, b) => a - b);
    assert.ok(svg.includes(`p50 ${formatNumber(percentile(sorted, 50))} ms, p99 ${formatNumber(percentile(sorted, 99))} ms (300 samples)`));
    assert.equal(attributeValues(svg, 'polyline', 'stroke-width').length, 2, 'one line per series');
    assert.equal(attributeValues(svg, 'circle', 'r').length, 4, 'p50 and p99 marked on each');
    for (const line of svg.matchAll(/points="([^"]*)"/g)) {
      const points = (line[1] as string).split(' ');
      assert.ok(points.length <= 200, 'a thousand samples become at most 200 points');
      for (const p of points) {
        const [x, y] = p.split(',').map(Number) as [number, number];
        assert.ok(x >= 0 && x <= 760 && y >= 0 && y <= 420, `point ${p} inside the chart`);
      }
    }
  });

  it('places a higher latency further right on the same axis', () => {
    const svg = latencyChart(
      [
        { label: 'a', samplesMs: [1, 1, 1, 1] },
        { label: 'b', samplesMs: [10, 10, 10, 10] },
      ],
      'Latency',
    );
    const [a50, , b50] = attributeValues(svg, 'circle', 'cx');
    assert.ok((a50 as number) < (b50 as number));
  });
});

describe('throughput chart', () => {
  const cases = [
    { label: '100 B, 8 clients', value: 1000, unit: 'msg/s', baselines: [{ label: 'bare libp2p 100 B', value: 4000 }] },
    { label: `batches ${HOSTILE}`, value: 3000, unit: 'msg/s', baselines: [{ label: `libp2p ${HOSTILE}`, value: 4000 }] },
  ];

  it('says so when there is nothing to draw, and is still a valid SVG', () => {
    const svg = throughputChart([], 'Throughput');
    assertWellFormedXml(svg);
    assert.match(svg, /no data in this run/);
  });

  it('draws bars in proportion to their values on one scale and labels the ratio to each baseline', () => {
    const svg = throughputChart(cases, 'Throughput', 'subtitle & more');
    assertWellFormedXml(svg);
    const widths = attributeValues(svg, 'rect', 'width').slice(1); // the first rect is the background
    assert.equal(widths.length, 4);
    const [case1, base1, case2] = widths as [number, number, number, number];
    assert.ok(Math.abs(case1 / base1 - 0.25) < 0.01, `bar widths ${case1} and ${base1} show the ratio`);
    assert.ok(Math.abs(case2 / case1 - 3) < 0.01);
    assert.ok(svg.includes('1000 msg/s: 0.25× bare libp2p 100 B'));
    assert.ok(svg.includes('0.75× libp2p'));
    assert.ok(svg.includes('subtitle &amp; more'));
    assert.ok(!svg.includes('<script'));
  });

  it('grows with the number of cases and leaves out cases without a value', () => {
    const one = throughputChart(cases.slice(0, 1), 'Throughput');
    const two = throughputChart([...cases, { label: 'missing', value: Number.NaN, unit: 'msg/s', baselines: [] }], 'Throughput');
    const height = (svg: string) => Number(/<svg[^>]* height="([^"]+)"/.exec(svg)?.[1]);
    assert.ok(height(two) > height(one));
    assert.ok(!two.includes('missing'));
  });
});

describe('stacked chart (CPU per message)', () => {
  it('says so when there is nothing to draw, and is still a valid SVG', () => {
    for (const svg of [
      stackedChart([], 'CPU', 'µs'),
      stackedChart([{ label: 'x', parts: [{ label: 'a', value: Number.NaN }] }], 'CPU', 'µs'),
    ]) {
      assertWellFormedXml(svg);
      assert.match(svg, /no data in this run/);
    }
  });

  it('puts the parts of a case side by side in proportion, with the total after the bar', () => {
    const svg = stackedChart(
      [
        {
          label: 'one per request',
          parts: [
            { label: 'sender', value: 300 },
            { label: 'receiver', value: 100 },
            { label: HOSTILE, value: 200 },
          ],
        },
        {
          label: 'batches',
          parts: [
            { label: 'sender', value: 60 },
            { label: 'receiver', value: 30 },
            { label: HOSTILE, value: 10 },
          ],
        },
      ],
      'CPU',
      'µs',
    );
    assertWellFormedXml(svg);
    assert.ok(!svg.includes('<script'));
    // rects: background, three legend keys, then three segments per case
    const widths = attributeValues(svg, 'rect', 'width').slice(4);
    const xs = attributeValues(svg, 'rect', 'x').slice(4);
    assert.equal(widths.length, 6);
    const [s1, r1, b1, s2] = widths as [number, number, number, number];
    assert.ok(Math.abs(s1 / r1 - 3) < 0.01 && Math.abs(b1 / r1 - 2) < 0.01, `segments ${widths.join(', ')} in proportion`);
    assert.ok(Math.abs(s1 / s2 - 5) < 0.01, 'cases share one scale');
    assert.ok(Math.abs((xs[1] as number) - ((xs[0] as number) + s1)) < 0.02, 'the second part starts where the first ends');
    assert.ok(svg.includes('>600 µs<') && svg.includes('>100 µs<'), 'totals after the bars');
  });
});

describe('the well-formedness check these tests rely on', () => {
  it('rejects what a broken writer would produce', () => {
    assert.equal(assertWellFormedXml('<?xml version="1.0"?>\n<svg a="1"><g/><text>a &amp; b</text></svg>\n'), 'svg');
    for (const bad of [
      '<svg><text>a & b</text></svg>',
      '<svg><text>a < b</text></svg>',
      '<svg><g></svg>',
      '<svg><g></text></g></svg>',
      '<svg a=1></svg>',
      '<svg a="x<y"></svg>',
      '<svg a="1" a="2"></svg>',
      '<svg></svg><svg></svg>',
      'text<svg></svg>',
      '',
    ]) {
      assert.throws(() => assertWellFormedXml(bad), Error, bad);
    }
  });
});
