// The bench's charts as SVG strings, from plain data: the distribution of a latency (a CDF with
// p50 and p99 marked), throughput per case against its baselines (bars, ratios labelled), and
// where each case's CPU goes (stacked bars). Pure functions: data in, SVG text out;
// bench/lib/chart-files.ts picks the data from a run.
import { formatNumber } from './table.js';
import { percentile } from './stats.js';
import { el, linearScale, logScale, logTicks, niceTicks, num, svgDocument, text } from './svg.js';

export interface LatencySeries {
  label: string;
  samplesMs: number[];
}

export interface ThroughputCase {
  label: string;
  value: number;
  unit: string;
  /** What the case is compared with; the ratio to each is labelled on the case's bar. */
  baselines: { label: string; value: number }[];
}

const WIDTH = 760;
const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bc4c00', '#0598bc'];
/** Light greys, so that a label inside a baseline bar stays readable in dark text. */
const BASELINE_COLORS = ['#afb8c1', '#d0d7de', '#c4cbd2'];

/** At most this many points per CDF line: enough for a smooth curve, few enough for a small file. */
const CDF_POINTS = 200;

function noData(width: number, height: number, title: string): string {
  return svgDocument(
    width,
    height,
    title,
    text(20, 28, title, { 'font-size': 15, 'font-weight': 'bold' }),
    text(20, 60, 'no data in this run'),
  );
}

/** The cumulative distribution of each series on a log time axis, with p50 and p99 marked and given in the legend. */
export function latencyChart(series: LatencySeries[], title: string): string {
  const height = 420;
  const withData = series
    .map((s) => ({ ...s, sorted: s.samplesMs.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b) }))
    .filter((s) => s.sorted.length > 0);
  if (withData.length === 0) return noData(WIDTH, height, title);

  const legendTop = height - 18 * withData.length - 12;
  const plot = { left: 60, right: WIDTH - 24, top: 44, bottom: legendTop - 44 };
  // A log axis needs positive values; a sample of 0 ms (below the timer's resolution) is drawn at the floor.
  const floor = 0.01;
  const lo = Math.max(floor, Math.min(...withData.map((s) => s.sorted[0] as number)));
  const hi = Math.max(lo * 10, ...withData.map((s) => s.sorted.at(-1) as number));
  const domain: [number, number] = [lo / 1.2, hi * 1.2];
  const x = logScale(domain, [plot.left, plot.right]);
  const y = linearScale([0, 1], [plot.bottom, plot.top]);

  const parts: string[] = [text(plot.left, 26, title, { 'font-size': 15, 'font-weight': 'bold' })];
  for (const t of logTicks(domain[0], domain[1])) {
    parts.push(el('line', { x1: x(t), x2: x(t), y1: plot.top, y2: plot.bottom, stroke: '#eaeef2' }));
    parts.push(text(x(t), plot.bottom + 16, formatTick(t), { 'text-anchor': 'middle' }));
  }
  for (const q of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(el('line', { x1: plot.left, x2: plot.right, y1: y(q), y2: y(q), stroke: '#eaeef2' }));
    parts.push(text(plot.left - 6, y(q) + 4, `${Math.round(q * 100)} %`, { 'text-anchor': 'end' }));
  }
  // The p99 line, labelled inside the plot: at the left it would sit on top of 100 %.
  parts.push(el('line', { x1: plot.left, x2: plot.right, y1: y(0.99), y2: y(0.99), stroke: '#afb8c1', 'stroke-dasharray': '4 3' }));
  parts.push(text(plot.right - 4, y(0.99) + 14, 'p99', { 'text-anchor': 'end', fill: '#57606a' }));
  parts.push(text(plot.right - 4, y(0.5) - 4, 'p50', { 'text-anchor': 'end', fill: '#57606a' }));
  parts.push(
    el('rect', {
      x: plot.left,
      y: plot.top,
      width: plot.right - plot.left,
      height: plot.bottom - plot.top,
      fill: 'none',
      stroke: '#8c959f',
    }),
  );
  parts.push(text((plot.left + plot.right) / 2, plot.bottom + 34, 'milliseconds (log scale)', { 'text-anchor': 'middle' }));
  parts.push(
    text(16, (plot.top + plot.bottom) / 2, 'share of messages at or below', {
      'text-anchor': 'middle',
      transform: `rotate(-90 16 ${num((plot.top + plot.bottom) / 2)})`,
    }),
  );

  withData.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const n = s.sorted.length;
    const points: string[] = [];
    const steps = Math.min(CDF_POINTS, n);
    for (let k = 0; k < steps; k++) {
      const index = Math.round((k / Math.max(1, steps - 1)) * (n - 1));
      points.push(`${num(x(Math.max(floor, s.sorted[index] as number)))},${num(y((index + 1) / n))}`);
    }
    parts.push(el('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
    const p50 = percentile(s.sorted, 50);
    const p99 = percentile(s.sorted, 99);
    for (const [q, v] of [
      [0.5, p50],
      [0.99, p99],
    ] as const) {
      parts.push(el('circle', { cx: x(Math.max(floor, v)), cy: y(q), r: 4, fill: '#fff', stroke: color, 'stroke-width': 2 }));
    }
    const ly = legendTop + 18 * i + 12;
    parts.push(el('line', { x1: plot.left, x2: plot.left + 24, y1: ly - 4, y2: ly - 4, stroke: color, 'stroke-width': 3 }));
    parts.push(text(plot.left + 32, ly, `${s.label}: p50 ${formatNumber(p50)} ms, p99 ${formatNumber(p99)} ms (${n} samples)`));
  });
  return svgDocument(WIDTH, height, title, ...parts);
}

/** Horizontal bars: each case's value above its baselines' values, on one linear scale, with the case's ratio to each baseline. */
export function throughputChart(cases: ThroughputCase[], title: string, subtitle = ''): string {
  const usable = cases.filter((c) => Number.isFinite(c.value));
  const barHeight = 16;
  const baselineHeight = 9;
  const gap = 14;
  const groupHeight = (c: ThroughputCase) => barHeight + c.baselines.length * (baselineHeight + 2) + gap;
  const plot = { left: 250, right: WIDTH - 24, top: subtitle ? 66 : 48 };
  const height = plot.top + usable.reduce((sum, c) => sum + groupHeight(c), 0) + 40;
  if (usable.length === 0) return noData(WIDTH, 120, title);

  const max = Math.max(...usable.flatMap((c) => [c.value, ...c.baselines.map((b) => b.value)]).filter(Number.isFinite));
  const ticks = niceTicks(0, max, 5);
  const x = linearScale([0, Math.max(max, ticks.at(-1) ?? max)], [plot.left, plot.right]);
  const bottom = height - 40;

  const parts: string[] = [text(16, 26, title, { 'font-size': 15, 'font-weight': 'bold' })];
  if (subtitle) parts.push(text(16, 46, subtitle, { fill: '#57606a' }));
  for (const t of ticks) {
    parts.push(el('line', { x1: x(t), x2: x(t), y1: plot.top - 6, y2: bottom, stroke: '#eaeef2' }));
    parts.push(text(x(t), bottom + 16, formatTick(t), { 'text-anchor': 'middle' }));
  }
  parts.push(text((plot.left + plot.right) / 2, bottom + 32, usable[0]?.unit ?? '', { 'text-anchor': 'middle' }));

  let top = plot.top;
  usable.forEach((c) => {
    const color = COLORS[0] as string;
    parts.push(text(plot.left - 8, top + barHeight - 4, c.label, { 'text-anchor': 'end', 'font-weight': 'bold' }));
    parts.push(el('rect', { x: plot.left, y: top, width: Math.max(1, x(c.value) - plot.left), height: barHeight, fill: color }));
    const ratios = c.baselines.filter((b) => b.value > 0).map((b) => `${formatRatio(c.value / b.value)} ${b.label}`);
    const label = `${formatNumber(c.value)} ${c.unit}${ratios.length > 0 ? `: ${ratios.join(', ')}` : ''}`;
    parts.push(barLabel(x(c.value), top + barHeight - 4, label, plot.right));
    let by = top + barHeight + 2;
    c.baselines.forEach((b, j) => {
      const fill = BASELINE_COLORS[j % BASELINE_COLORS.length] as string;
      parts.push(el('rect', { x: plot.left, y: by, width: Math.max(1, x(b.value) - plot.left), height: baselineHeight, fill }));
      parts.push(barLabel(x(b.value), by + baselineHeight - 1, `${b.label}: ${formatNumber(b.value)}`, plot.right, 10, '#1f2328'));
      by += baselineHeight + 2;
    });
    top += groupHeight(c);
  });
  parts.push(el('line', { x1: plot.left, x2: plot.left, y1: plot.top - 6, y2: bottom, stroke: '#57606a' }));
  return svgDocument(WIDTH, height, title, ...parts);
}

/** Axis labels: round values as they are (0, 50k, 0.5), without the table's trailing zeros. */
export interface StackedCase {
  label: string;
  /** The segments, in the same order for every case (the legend is taken from the first case). */
  parts: { label: string; value: number }[];
}

/** Horizontal stacked bars on one linear scale: each case's parts side by side, their total after the bar. */
export function stackedChart(cases: StackedCase[], title: string, unit: string, subtitle = ''): string {
  const usable = cases.filter((c) => c.parts.length > 0 && c.parts.every((p) => Number.isFinite(p.value) && p.value >= 0));
  if (usable.length === 0) return noData(WIDTH, 120, title);
  const barHeight = 18;
  const rowHeight = barHeight + 12;
  const plot = { left: 250, right: WIDTH - 90, top: subtitle ? 88 : 70 };
  const height = plot.top + usable.length * rowHeight + 40;
  const bottom = height - 40;
  const total = (c: StackedCase) => c.parts.reduce((sum, p) => sum + p.value, 0);
  const max = Math.max(...usable.map(total));
  const ticks = niceTicks(0, max, 5);
  const x = linearScale([0, Math.max(max, ticks.at(-1) ?? max) || 1], [plot.left, plot.right]);

  const parts: string[] = [text(16, 26, title, { 'font-size': 15, 'font-weight': 'bold' })];
  if (subtitle) parts.push(text(16, 46, subtitle, { fill: '#57606a' }));
  let lx = plot.left;
  (usable[0] as StackedCase).parts.forEach((p, j) => {
    parts.push(el('rect', { x: lx, y: plot.top - 24, width: 12, height: 12, fill: COLORS[j % COLORS.length] as string }));
    parts.push(text(lx + 16, plot.top - 14, p.label));
    lx += 24 + p.label.length * 7;
  });
  for (const t of ticks) {
    parts.push(el('line', { x1: x(t), x2: x(t), y1: plot.top - 4, y2: bottom, stroke: '#eaeef2' }));
    parts.push(text(x(t), bottom + 16, formatTick(t), { 'text-anchor': 'middle' }));
  }
  parts.push(text((plot.left + plot.right) / 2, bottom + 32, unit, { 'text-anchor': 'middle' }));
  usable.forEach((c, i) => {
    const top = plot.top + i * rowHeight;
    parts.push(text(plot.left - 8, top + barHeight - 5, c.label, { 'text-anchor': 'end', 'font-weight': 'bold' }));
    let start = 0;
    c.parts.forEach((p, j) => {
      const width = x(start + p.value) - x(start);
      parts.push(el('rect', { x: x(start), y: top, width, height: barHeight, fill: COLORS[j % COLORS.length] as string }));
      const label = formatNumber(p.value);
      // Inside its segment only when it fits (about 0.55 em per character at 11 px).
      if (width >= label.length * 6 + 8)
        parts.push(text(x(start) + width / 2, top + barHeight - 5, label, { 'text-anchor': 'middle', fill: '#fff', 'font-size': 11 }));
      start += p.value;
    });
    parts.push(text(x(start) + 6, top + barHeight - 5, `${formatNumber(start)} ${unit}`));
  });
  parts.push(el('line', { x1: plot.left, x2: plot.left, y1: plot.top - 4, y2: bottom, stroke: '#57606a' }));
  return svgDocument(WIDTH, height, title, ...parts);
}

export function formatTick(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

export function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

/** A label after a bar's end, or inside it (right-aligned, in `insideColor`) when it would run off the chart. */
function barLabel(end: number, y: number, label: string, right: number, size = 11, insideColor = '#fff'): string {
  // About 0.55 em per character of a sans-serif face: good enough to choose a side.
  const fits = end + 6 + label.length * size * 0.55 <= right;
  return fits
    ? text(end + 6, y, label, { 'font-size': size })
    : text(end - 6, y, label, { 'font-size': size, 'text-anchor': 'end', fill: insideColor });
}
