// Redraws the charts of a bench run from its JSON, for example into docs/images:
//   node dist/bench/tools/charts.js bench/results/<time>.json [--out DIR] [--stem NAME]
// Default: next to the JSON, named after it (what `npm run bench` writes itself).
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type ChartSource, writeCharts } from '../lib/chart-files.js';

function main(argv: string[]): void {
  const [file, ...rest] = argv;
  if (!file || file.startsWith('-')) throw new Error('usage: charts <results.json> [--out DIR] [--stem NAME]');
  let out = dirname(file);
  let stem = basename(file, '.json');
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if (value === undefined) throw new Error(`${rest[i]} needs a value`);
    if (rest[i] === '--out') out = value;
    else if (rest[i] === '--stem') stem = value;
    else throw new Error(`unknown option ${rest[i]}`);
  }
  const source = JSON.parse(readFileSync(file, 'utf8')) as ChartSource;
  if (!Array.isArray(source.figures)) throw new Error(`${file} is not a bench result (no figures)`);
  for (const written of writeCharts(source, out, stem)) process.stdout.write(`${written}\n`);
}

main(process.argv.slice(2));
