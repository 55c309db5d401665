import type { LogStreamName, ProviderLogOffset } from '@ucloud/contracts';

/**
 * Where a follower is: the last update it saw and how many bytes of each rank's stdout/stderr it
 * got. Serialised as the SSE event id, e.g. `42:0o1337.0e12.1o80`, so a reconnect resumes exactly.
 */
export class FollowCursor {
  /** The id as last built, until the cursor moves: every message a follower sends names it. */
  private text: string | null = null;

  constructor(
    private seq = 0,
    private readonly offsets = new Map<string, number>(),
  ) {}

  get updateSeq(): number {
    return this.seq;
  }

  set updateSeq(seq: number) {
    this.seq = seq;
    this.text = null;
  }

  static parse(id: string | null): FollowCursor | null {
    if (!id) return new FollowCursor();
    const [, seq, logs] = /^(\d+):((?:\d+[oe]\d+)(?:\.\d+[oe]\d+)*)?$/.exec(id) ?? [];
    // Digits beyond 2^53 would be rounded to a place in the stream nobody was given.
    const safe = (digits: string | undefined) =>
      digits !== undefined && Number.isSafeInteger(Number(digits));
    if (!safe(seq)) return null;
    const offsets = new Map<string, number>();
    for (const part of logs?.split('.') ?? []) {
      const [, rank, s, offset] = /^(\d+)([oe])(\d+)$/.exec(part) ?? [];
      if (!safe(rank) || !safe(offset)) return null;
      offsets.set(key(Number(rank), s === 'o' ? 'stdout' : 'stderr'), Number(offset));
    }
    return new FollowCursor(Number(seq), offsets);
  }

  offsetOf(rank: number, stream: LogStreamName): number {
    return this.offsets.get(key(rank, stream)) ?? 0;
  }

  advance(rank: number, stream: LogStreamName, offset: number): void {
    this.offsets.set(key(rank, stream), offset);
    this.text = null;
  }

  /** Moves to where `id` says, for a follower that took the same steps from the same id as one that is there. */
  moveTo(id: string, rank: number, stream: LogStreamName, offset: number): void {
    this.offsets.set(key(rank, stream), offset);
    this.text = id;
  }

  logOffsets(): ProviderLogOffset[] {
    return [...this.offsets].map(([k, offset]) => {
      const [rank, stream] = k.split('/') as [string, LogStreamName];
      return { rank: Number(rank), stream, offset };
    });
  }

  toString(): string {
    return (this.text ??= this.build());
  }

  private build(): string {
    const parts = [...this.offsets]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, offset]) => {
        const [rank = '', stream] = k.split('/');
        return `${rank}${stream === 'stdout' ? 'o' : 'e'}${offset}`;
      });
    return `${this.seq}:${parts.join('.')}`;
  }
}

const key = (rank: number, stream: LogStreamName) => `${rank}/${stream}`;

/** Length of the complete UTF-8 prefix of `buf`: a chunk may end inside a multi-byte character. */
export function completeUtf8Length(buf: Uint8Array): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const byte = buf[n - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? n - back : n;
  }
  return n;
}
