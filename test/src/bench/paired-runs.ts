import { percentile } from './stats.js';

/** One paired run: the same work done the plain way, then through the whole stack. */
export interface PairedRun {
  plainMs: number;
  stackMs: number;
}

/** The stack/plain ratio of each run and their median, as the scorecard rows print them. */
export function pairedRatios(runs: PairedRun[]): { ratios: number[]; median: number } {
  const ratios = runs.map((r) => r.stackMs / r.plainMs);
  return {
    ratios,
    median: percentile(
      [...ratios].sort((a, b) => a - b),
      50,
    ),
  };
}

/** "1.02× (1.10, 0.98, 1.02, 1.05, 0.99)": the median, then each run's ratio in order. */
export function describeRatios(runs: PairedRun[]): string {
  const { ratios, median } = pairedRatios(runs);
  return `${median.toFixed(2)}× (runs: ${ratios.map((r) => r.toFixed(2)).join(', ')})`;
}
