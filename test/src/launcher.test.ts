import { startStack } from '@ucloud/launcher';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Pids of processes whose environment points into `dir`. */
function processesUsing(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('launcher', () => {
  it('stops the components it started when a later one cannot start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ucloud-launch-'));
    try {
      await expect(
        startStack({
          dataDir,
          port: 0,
          env: { orchestrator: { CATALOG_FILE: join(dataDir, 'missing-catalog.json') } },
        }),
      ).rejects.toThrow(/orchestrator exited during start/);
      expect(processesUsing(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
