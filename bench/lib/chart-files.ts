// Picks the charts' data out of a bench run (live, or read back from its JSON) and writes the SVG
// files next to the JSON: <stem>-latency.svg, <stem>-throughput.svg and <stem>-cpu.svg.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LatencySeries, latencyChart, type StackedCase, stackedChart, type ThroughputCase, throughputChart } from './charts.js';
import type { Figure } from './results.js';

/** What the charts need of a run: the figures, and the latency samples kept whole. */
export interface ChartSource {
  figures: Pick<Figure, 'scenario' | 'name' | 'unit' | 'summary' | 'baselines'>[];
  distributions?: Record<string, number[]>;
  options?: { client?: string };
}

/** The latency distributions a run kept, in the order they are drawn, with what each is called in the legend. */
export const LATENCY_SERIES: { key: string; label: string }[] = [
  { key: 'p2pchat/send → remote event', label: 'p2pchat: send → remote event' },
  { key: 'p2pchat/send → delivered', label: 'p2pchat: send → delivered (acked)' },
  { key: 'libp2p/round trip 100 B', label: 'bare libp2p: round trip of 100 B' },
];

export function latencySeries(source: ChartSource): LatencySeries[] {
  return LATENCY_SERIES.flatMap(({ key, label }) => {
    const samplesMs = source.distributions?.[key];
    return samplesMs && samplesMs.length > 0 ? [{ label, samplesMs }] : [];
  });
}

/**
 * Every p2pchat "delivered msg/s" figure as a case, against its baselines from the same run. Left
 * out: the raw TCP baselines and libp2p with 128 frames per write, each ten times faster than
 * everything else; on one linear scale they would squash the bars. The table has their ratios.
 */
export function throughputCases(source: ChartSource): ThroughputCase[] {
  const byKey = new Map(source.figures.map((f) => [`${f.scenario}/${f.name}`, f]));
  return source.figures
    .filter((f) => f.scenario === 'p2pchat' && f.name.endsWith(': delivered msg/s'))
    .map((f) => ({
      label: f.name.replace(/: delivered msg\/s$/, ''),
      value: f.summary.median,
      unit: f.unit,
      baselines: f.baselines.flatMap((key) => {
        const base = byKey.get(key);
        if (!base || key.startsWith('raw/') || key.endsWith('per write') || (base.unit !== f.unit && base.unit !== 'req/s')) return [];
        return [{ label: baselineLabel(key), value: base.summary.median }];
      }),
    }));
}

function baselineLabel(key: string): string {
  const [scenario, ...rest] = key.split('/');
  const name = rest
    .join('/')
    .replace(/ msg\/s/, '')
    .replace(/: answered req\/s$/, '');
  return scenario === 'libp2p' ? `bare libp2p ${name}` : name;
}

const CPU_FIGURE = /^(.*): CPU per message, (.*)$/;

/** Scenario 3's CPU per message, one stacked bar per case: sender daemon, receiver daemon, bench process. */
export function cpuCases(source: ChartSource): StackedCase[] {
  const cases = new Map<string, StackedCase>();
  for (const f of source.figures) {
    const m = f.scenario === 'p2pchat' ? CPU_FIGURE.exec(f.name) : null;
    if (!m) continue;
    const label = m[1] as string;
    const c = cases.get(label) ?? { label, parts: [] };
    c.parts.push({ label: m[2] as string, value: f.summary.median });
    cases.set(label, c);
  }
  return [...cases.values()];
}

function clientNote(client: string | undefined): string {
  const made = client === 'http' ? "Node's http.request" : client === 'undici' ? 'undici 7' : undefined;
  return `delivered = stored and acked by the receiver${made ? `; control API requests made with ${made}` : ''}`;
}

/** Writes the charts into `dir`; returns the files written. */
export function writeCharts(source: ChartSource, dir: string, stem: string): string[] {
  const files: [string, string][] = [
    [`${stem}-latency.svg`, latencyChart(latencySeries(source), 'Latency, one message at a time: send → remote event')],
    [
      `${stem}-throughput.svg`,
      throughputChart(
        throughputCases(source),
        'Delivered messages per second, against the baselines of the same run',
        clientNote(source.options?.client),
      ),
    ],
    [
      `${stem}-cpu.svg`,
      stackedChart(cpuCases(source), 'CPU time per delivered message, by process (100 B)', 'µs', clientNote(source.options?.client)),
    ],
  ];
  for (const [name, svg] of files) writeFileSync(join(dir, name), svg);
  return files.map(([name]) => join(dir, name));
}
