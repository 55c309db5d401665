/**
 * The site-scale targets (issue 18) as rows: each bench records what it measured against its
 * target, and `npm run bench` prints them all as one table at the end.
 */
export interface TargetRow {
  /** What was measured, e.g. "browse, filter by state, 1,000,000 jobs: p99". */
  figure: string;
  /** The target in words, e.g. "< 10 ms". */
  target: string;
  /** The figure, with its unit, e.g. "4.2 ms". */
  measured: string;
  pass: boolean;
}

const rows: TargetRow[] = [];

/** Records one row; benches call it once per target figure they measure. */
export function recordTarget(row: TargetRow): void {
  rows.push(row);
}

/** Every recorded row as a Markdown table (what the README's performance section holds). */
export function scorecardTable(): string {
  const header = ['figure', 'target', 'measured', 'result'];
  const body = rows.map((r) => [r.figure, r.target, r.measured, r.pass ? 'pass' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export const recordedTargets = (): readonly TargetRow[] => rows;
