import type { JobsLog } from '@ucloud/contracts';
import type { Colors, Streams } from '../terminal.js';

/**
 * A job's output as it arrives: exactly as the job wrote it for one rank; for several, each line
 * prefixed with its rank (`[1] …`), a line held until its end arrives so that ranks do not
 * interleave inside a line. stdout goes to stdout and stderr to stderr.
 */
export class RankOutput {
  /** The start of a line whose end has not arrived yet, per rank and stream. */
  private readonly partial = new Map<string, string>();

  constructor(
    private readonly streams: Streams,
    private readonly prefixed: boolean,
    private readonly colors: Colors,
    /** Only this rank's output, when given. */
    private readonly rank?: number,
  ) {}

  write(log: JobsLog): void {
    if (this.rank !== undefined && log.rank !== this.rank) return;
    if (log.stdout) this.chunk(log.rank, 'stdout', log.stdout);
    if (log.stderr) this.chunk(log.rank, 'stderr', log.stderr);
  }

  /** Writes what is held of unfinished lines, each ended: the job has ended. */
  flush(): void {
    for (const [key, text] of this.partial) {
      const [rank, stream] = key.split('/') as [string, 'stdout' | 'stderr'];
      this.streams[stream].write(`${this.prefix(Number(rank))}${text}\n`);
    }
    this.partial.clear();
  }

  private chunk(rank: number, stream: 'stdout' | 'stderr', text: string): void {
    if (!this.prefixed) {
      this.streams[stream].write(text);
      return;
    }
    const key = `${rank}/${stream}`;
    const lines = ((this.partial.get(key) ?? '') + text).split('\n');
    const rest = lines.pop() ?? '';
    if (rest === '') this.partial.delete(key);
    else this.partial.set(key, rest);
    if (lines.length > 0)
      this.streams[stream].write(lines.map((l) => `${this.prefix(rank)}${l}\n`).join(''));
  }

  private prefix(rank: number): string {
    return this.colors.cyan(`[${rank}] `);
  }
}
