// One measured figure: its samples over the repetitions, and optionally the baseline it is compared with.
import { type Summary, summarize } from './stats.js';

export type Better = 'higher' | 'lower';

export interface Figure {
  scenario: string;
  name: string;
  unit: string;
  better: Better;
  samples: number[];
  summary: Summary;
  /** `scenario/name` of the figures this one is divided by for the ratio column. */
  baselines: string[];
  ratios: { baseline: string; ratio: number }[];
  note?: string | undefined;
}

export class Results {
  readonly figures: Figure[] = [];
  readonly skipped: { scenario: string; reason: string }[] = [];
  /** Latency samples kept whole (all repetitions), by `scenario/name`, for the distribution chart. */
  readonly distributions: Record<string, number[]> = {};

  add(
    scenario: string,
    name: string,
    unit: string,
    better: Better,
    samples: number[],
    extra: { baselines?: string[]; note?: string } = {},
  ): Figure {
    const figure: Figure = {
      scenario,
      name,
      unit,
      better,
      samples,
      summary: summarize(samples),
      baselines: extra.baselines ?? [],
      ratios: [],
    };
    if (extra.note) figure.note = extra.note;
    this.figures.push(figure);
    return figure;
  }

  /** Keeps every sample of a latency (appending across repetitions), not only its percentiles. */
  keepSamples(key: string, samples: number[]): void {
    const kept = (this.distributions[key] ??= []);
    for (const sample of samples) kept.push(Math.round(sample * 1000) / 1000);
  }

  skip(scenario: string, reason: string): void {
    this.skipped.push({ scenario, reason });
  }

  find(key: string): Figure | undefined {
    return this.figures.find((f) => `${f.scenario}/${f.name}` === key);
  }

  /** Fills in every figure's ratios to its baselines' medians (baselines may come from other scenarios). */
  computeRatios(): void {
    for (const figure of this.figures) {
      figure.ratios = [];
      for (const key of figure.baselines) {
        const base = this.find(key);
        if (base && base.summary.median !== 0) figure.ratios.push({ baseline: key, ratio: figure.summary.median / base.summary.median });
      }
    }
  }
}
