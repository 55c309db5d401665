import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { CHECKPOINT_PAGES, type Db } from './client.js';

/**
 * With checkpoints in the background, SQLite's own runs only if the log outgrows this many pages
 * (200 MB): a backstop should the thread fail.
 */
const BACKSTOP_PAGES = 50_000;

/** The thread's script, built beside this module (from src/ in tests as from dist/). */
const WORKER = new URL('../../dist/db/checkpoint-worker.js', import.meta.url);

/**
 * Copies the write-ahead log back into the database file from a thread of its own, on its own
 * connection. SQLite otherwise checkpoints inside whichever commit makes the log outgrow its limit:
 * that commit then held the event loop for 40-220 ms while requests and provider updates waited.
 * Every 5 s: the log stays within tens of MB at the busiest, and a page written again and again
 * (an index's last leaf, a hot job's row) is copied back once per checkpoint, not once per write.
 */
export function checkpointInBackground(
  db: Db,
  file: string,
  log: Logger,
  everyMs = 5000,
): { stop(): Promise<void> } {
  db.$client.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const worker = new Worker(WORKER, { workerData: { file, everyMs } });
  worker.on('message', (m: { failed: string }) =>
    log.warn({ err: m.failed }, 'background checkpoint failed; will try again'),
  );
  worker.on('error', (err) => {
    log.error({ err }, 'background checkpoints stopped; SQLite checkpoints in commits instead');
    if (db.$client.open) db.$client.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
  });
  worker.unref();
  return {
    async stop() {
      if (worker.threadId === -1) return;
      const exited = once(worker, 'exit');
      worker.postMessage('stop');
      await exited;
    },
  };
}
