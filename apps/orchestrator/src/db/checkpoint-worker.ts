/**
 * The thread of `checkpointInBackground`: its own connection to the database, copying the
 * write-ahead log back into the database file every `everyMs`, until told to stop.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file, everyMs } = workerData as { file: string; everyMs: number };
if (!parentPort) throw new Error('checkpoint-worker runs as a worker thread');
const port = parentPort;
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');

// PASSIVE never waits on the orchestrator's readers or writers: it copies what it can now.
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    port.postMessage({ failed: err instanceof Error ? err.message : String(err) });
  }
}, everyMs);

port.once('message', () => {
  clearInterval(timer);
  db.close();
  port.close();
});
