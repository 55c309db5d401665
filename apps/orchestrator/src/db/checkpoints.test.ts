import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointInBackground } from './checkpoints.js';
import { openDatabase } from './client.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('checkpointInBackground', () => {
  it('keeps the write-ahead log from growing while the orchestrator writes, and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
    dirs.push(dir);
    const file = join(dir, 'orchestrator.sqlite');
    const db = openDatabase(file);
    const checkpoints = checkpointInBackground(db, file, pino({ level: 'silent' }), 20);
    db.$client.exec('CREATE TABLE filler (data BLOB)');
    const insert = db.$client.prepare('INSERT INTO filler VALUES (randomblob(100000))');
    // 20 MB in rounds of 1 MB, far below the backstop at which SQLite would checkpoint itself.
    for (let round = 0; round < 20; round++) {
      db.$client.transaction(() => {
        for (let i = 0; i < 10; i++) insert.run();
      })();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(statSync(`${file}-wal`).size).toBeLessThan(5 * 2 ** 20);
    expect(statSync(file).size).toBeGreaterThan(15 * 2 ** 20);
    await checkpoints.stop();
    db.$client.close();
  });
});
