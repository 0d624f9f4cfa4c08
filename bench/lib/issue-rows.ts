// The rows of issue 16's table, filled from a run: "now" is this run's median with its ratio to
// the baseline of the same run, so the figures can be copied into docs/benchmarks.md as they are.
// A row whose figures this run did not measure (another --only, no root for the mesh) says so.
import type { Figure, Results } from './results.js';
import { formatNumber } from './table.js';

export interface IssueRow {
  figure: string;
  /** The figure the issue was filed with. */
  before: string;
  target: string;
  now: string;
  /** Whether the target is met; undefined when the row has no target or was not measured. */
  met?: boolean | undefined;
}

/** A figure by its key (`scenario/name`), or by a pattern for keys that vary with the options (such as a count). */
type Lookup = (key: string | RegExp) => Figure | undefined;

interface RowSpec {
  figure: string;
  before: string;
  target: string;
  measure(find: Lookup): { now: string; met?: boolean } | undefined;
}

const LIBP2P_100B = 'libp2p/100 B msg/s';
export const NOT_MEASURED = 'not measured in this run';

function ratioTo(figure: Figure, baseline: string): number | undefined {
  return figure.ratios.find((r) => r.baseline === baseline)?.ratio;
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A delivered rate as "2,892 msg/s, 0.09×": the ratio is to `baseline` (bare libp2p, one frame per
 * write, same size) of the same run; met when the ratio reaches `atLeast`.
 */
function rateRow(figure: string, before: string, key: string | RegExp, atLeast?: number, baseline = LIBP2P_100B): RowSpec {
  return {
    figure,
    before,
    target: atLeast === undefined ? 'no figure' : `≥ ${atLeast.toFixed(atLeast < 1 ? 2 : 1)}×`,
    measure(find) {
      const f = find(key);
      const ratio = f && ratioTo(f, baseline);
      if (!f || ratio === undefined) return undefined;
      return { now: `${count(f.summary.median)} msg/s, ${ratio.toFixed(2)}×`, ...(atLeast === undefined ? {} : { met: ratio >= atLeast }) };
    },
  };
}

function meshTimeRow(figure: string, before: string, key: string, atMostMs?: number): RowSpec {
  return {
    figure,
    before,
    target: atMostMs === undefined ? 'report' : `≤ ${atMostMs / 1000} s`,
    measure(find) {
      const f = find(key);
      if (!f) return undefined;
      return { now: seconds(f.summary.median), ...(atMostMs === undefined ? {} : { met: f.summary.median <= atMostMs }) };
    },
  };
}

const ROWS: RowSpec[] = [
  rateRow(
    '100 B, one message per request, 1 client: delivered msg/s vs bare libp2p',
    '856 msg/s, 0.03×',
    'p2pchat/100 B, 1 client: delivered msg/s',
  ),
  rateRow('100 B, one message per request, 8 clients', '2,892 msg/s, 0.09×', 'p2pchat/100 B, 8 clients: delivered msg/s', 0.25),
  rateRow('100 B, one message per request, 64 clients', 'not measured', 'p2pchat/100 B, 64 clients: delivered msg/s', 0.5),
  rateRow('100 B, batches of 100, 4 in flight', '0.54×', 'p2pchat/100 B, 4 × batches of 100: delivered msg/s', 0.8),
  rateRow('4 KiB, batches of 100, 4 in flight', '0.19×', 'p2pchat/4 KiB, 4 × batches of 100: delivered msg/s', 0.5, 'libp2p/4 KiB msg/s'),
  {
    figure: 'send → remote event p50 / p99',
    before: '1.29 ms / 3.74 ms',
    target: '≤ 1 ms / ≤ 3 ms',
    measure(find) {
      const p50 = find('p2pchat/send → remote event p50');
      const p99 = find('p2pchat/send → remote event p99');
      if (!p50 || !p99) return undefined;
      return {
        now: `${formatNumber(p50.summary.median)} ms / ${formatNumber(p99.summary.median)} ms`,
        met: p50.summary.median <= 1 && p99.summary.median <= 3,
      };
    },
  },
  rateRow('backlog drain vs bare libp2p one-per-write', '0.77×', /^p2pchat\/100 B backlog of \d+: delivered msg\/s$/, 1),
  meshTimeRow('mesh N=30 in netns: all ready → full mesh', '22.1 s', 'mesh/N=30: all ready → full mesh (discovery and dials)', 5000),
  meshTimeRow('mesh N=30: start → all ready', '8.9 s', 'mesh/N=30: start → all daemons ready', 4000),
  meshTimeRow('mesh N=50: all ready → full mesh', 'not measured', 'mesh/N=50: all ready → full mesh (discovery and dials)'),
  meshTimeRow('mesh N=50: start → all ready', 'not measured', 'mesh/N=50: start → all daemons ready'),
  {
    figure: 'RSS per daemon: idle (N=3) / N=30 median',
    before: '89.6 MB / 132 MB',
    target: '≤ 64 MB / ≤ 96 MB',
    measure(find) {
      const idle = find('mesh/N=3: RSS per daemon, median');
      const n30 = find('mesh/N=30: RSS per daemon, median');
      if (!idle && !n30) return undefined;
      const mb = (f: Figure | undefined) => (f ? `${formatNumber(f.summary.median)} MB` : '-');
      const met = idle && n30 ? idle.summary.median <= 64 && n30.summary.median <= 96 : undefined;
      return { now: `${mb(idle)} / ${mb(n30)}`, ...(met === undefined ? {} : { met }) };
    },
  },
  {
    figure: 'memory per connection: (RSS at N=30 − idle RSS) / 29',
    before: 'not measured',
    target: 'report',
    measure(find) {
      const idle = find('memory/idle daemon RSS');
      const n30 = find('mesh/N=30: RSS per daemon, median');
      if (!idle || !n30) return undefined;
      return { now: `${formatNumber((n30.summary.median - idle.summary.median) / 29)} MB` };
    },
  },
  {
    figure: 'the bench client alone (server answers at once), 1 / 8 / 64 clients, vs bare libp2p',
    before: 'not measured',
    target: 'a ceiling, not a target',
    measure(find) {
      const ratios = [1, 8, 64].map((n) => {
        const f = find(`p2pchat/client alone, ${n} client${n > 1 ? 's' : ''}: answered req/s`);
        return f && ratioTo(f, LIBP2P_100B);
      });
      if (ratios.every((r) => r === undefined)) return undefined;
      return { now: ratios.map((r) => (r === undefined ? '-' : `${r.toFixed(2)}×`)).join(' / ') };
    },
  },
];

/** Issue 16's rows with this run's figures. Call after `results.computeRatios()`. */
export function issueRows(results: Results): IssueRow[] {
  const find: Lookup = (key) =>
    typeof key === 'string' ? results.find(key) : results.figures.find((f) => key.test(`${f.scenario}/${f.name}`));
  return ROWS.map((spec) => {
    const measured = spec.measure(find);
    return { figure: spec.figure, before: spec.before, target: spec.target, now: measured?.now ?? NOT_MEASURED, met: measured?.met };
  });
}

const HEADER = ['figure', "issue's figure (before)", 'now', 'target', 'met'];

function cells(row: IssueRow): string[] {
  return [row.figure, row.before, row.now, row.target, row.met === undefined ? '' : row.met ? 'yes' : 'no'];
}

export function issueRowsText(rows: IssueRow[]): string {
  const table = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => (r[i] as string).length)));
  return table
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function issueRowsMarkdown(rows: IssueRow[]): string {
  return [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cells(r).join(' | ')} |`)].join(
    '\n',
  );
}
