import type { Writable } from 'node:stream';

/** Sockets flushed per turn of the event loop: a message to 10,000 followers lets other work in. */
const SOCKETS_PER_TURN = 256;

/**
 * Bytes waiting to go to one follower's socket. A message fanned out to many followers is queued
 * for each rather than written at once, and the queued sockets are flushed a batch per turn of
 * the event loop. So a message to many followers does not hold the loop, and a follower not yet
 * flushed when the next message arrives (a line and a status update come together) gets both in
 * one write: the system call, not the JavaScript, is most of what a follower costs.
 */
export class PendingWrites {
  private pending: Buffer[] = [];
  /** Queued and not yet handed to the socket. */
  bytes = 0;

  /** `open` says whether the socket still takes them (by default, while not destroyed). */
  constructor(
    private readonly socket: Writable,
    private readonly open = () => !socket.destroyed,
  ) {}

  push(chunk: Buffer): void {
    if (this.pending.length === 0) queued.push(this);
    this.pending.push(chunk);
    this.bytes += chunk.length;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushSome);
    }
  }

  /** Hands what is queued to the socket now (before anything written to it another way). */
  flush(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    this.bytes = 0;
    // Gone or closing: its follow ends on its own, and what it did not take is nobody's.
    if (!this.open()) return;
    this.socket.write(pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending));
  }
}

/** Sockets with bytes queued since the current round began; then the round being flushed. */
let queued: PendingWrites[] = [];
let round: PendingWrites[] = [];
let next = 0;
let scheduled = false;

function flushSome(): void {
  if (next >= round.length) {
    round = queued;
    queued = [];
    next = 0;
  }
  const end = Math.min(round.length, next + SOCKETS_PER_TURN);
  for (; next < end; next++) (round[next] as PendingWrites).flush();
  if (next < round.length || queued.length > 0) {
    setImmediate(flushSome);
    return;
  }
  round = [];
  scheduled = false;
}
