// Plain-text and Markdown tables of the results, with the ratio to each figure's baseline.
import type { Figure, Results } from './results.js';

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 100_000) return `${(value / 1000).toFixed(0)}k`;
  if (abs >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function row(figure: Figure): string[] {
  const s = figure.summary;
  const range = s.n > 1 ? `${formatNumber(s.min)}–${formatNumber(s.max)}` : '';
  const ratio = figure.ratios.map((r) => `${r.ratio.toFixed(2)}× ${r.baseline}`).join(', ');
  return [figure.scenario, figure.name, `${formatNumber(s.median)} ${figure.unit}`, range, String(s.n), ratio];
}

const HEADER = ['scenario', 'figure', 'median', 'min–max', 'n', 'ratio to baseline'];

export function textTable(results: Results): string {
  const rows = [HEADER, ...results.figures.map(row)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  for (const s of results.skipped) lines.push(`${s.scenario}: skipped: ${s.reason}`);
  return lines.join('\n');
}

export function markdownTable(results: Results): string {
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`];
  for (const figure of results.figures) lines.push(`| ${row(figure).join(' | ')} |`);
  return lines.join('\n');
}
