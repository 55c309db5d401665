import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { launchRank, rankFiles, readRankExit, resolveCommand } from './launcher.js';
import { isRunning, liveGroupMembers, readProcStat, signalGroup } from './proc.js';

let dir: string;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'launcher-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function until(condition: () => boolean): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > 10_000) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('launchRank', () => {
  it('runs the command in its own process group and records its exit code after its output', async () => {
    const rank = launchRank({ jobDir: dir, rank: 0, argv: ['sh', '-c', 'echo out; exit 5'], env });
    expect(readProcStat(rank.pid)?.pgid).toBe(rank.pid);
    await until(() => !isRunning(rank.pid, rank.startTime));
    const seenGone = Date.now();
    expect(readRankExit(dir, 0)?.code).toBe(5);
    expect(readRankExit(dir, 0)?.endedAt).toBeLessThanOrEqual(seenGone);
    expect(readFileSync(rankFiles(dir, 0).stdout, 'utf8')).toBe('out\n');
  });

  it('survives SIGTERM to its group long enough to record the exit code', async () => {
    const rank = launchRank({ jobDir: dir, rank: 1, argv: ['sleep', '1000'], env });
    await new Promise((r) => setTimeout(r, 100));
    signalGroup(rank.pid, 'SIGTERM');
    await until(() => !isRunning(rank.pid, rank.startTime));
    expect(readRankExit(dir, 1)?.code).toBe(143);
    expect(liveGroupMembers(rank.pid)).toEqual([]);
  });
});

describe('isRunning', () => {
  it('tells a recycled pid from the process that was started', () => {
    const self = readProcStat(process.pid)!;
    expect(isRunning(process.pid, self.startTime)).toBe(true);
    expect(isRunning(process.pid, String(Number(self.startTime) + 1))).toBe(false);
    expect(readRankExit(dir, 9)).toBeNull();
  });
});

describe('resolveCommand', () => {
  it('searches PATH for bare names and the working directory for relative paths', () => {
    expect(resolveCommand('sh', env.PATH, dir)).toMatch(/\/sh$/);
    expect(resolveCommand('no-such-command-xyz', env.PATH, dir)).toBeNull();
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
    expect(resolveCommand('./run.sh', env.PATH, dir)).toBeNull(); // not executable
    chmodSync(join(dir, 'run.sh'), 0o755);
    expect(resolveCommand('./run.sh', env.PATH, dir)).toBe(join(dir, 'run.sh'));
  });
});
