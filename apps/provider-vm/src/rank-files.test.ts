import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rankFiles, runningQemu } from './rank-files.js';

const dir = mkdtempSync(join(tmpdir(), 'vm-rank-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a rank's files", () => {
  it('are named by the rank in the job directory', () => {
    const files = rankFiles('/jobs/7', 1);
    expect(files.stdout).toBe('/jobs/7/rank-1.stdout');
    expect(files.vncSocket).toBe('/jobs/7/rank-1.vnc');
    expect(files.shellSocket).toBe('/jobs/7/rank-1.shell');
    expect(files.shellControlSocket).toBe('/jobs/7/rank-1.shellctl');
    expect(files.pidFile).toBe('/jobs/7/rank-1.pid');
  });

  it('find the process a pid file names only while its command line names the pid file', async () => {
    const pidFile = join(dir, 'rank-0.pid');
    expect(runningQemu(pidFile)).toBeNull();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const named = spawn('sh', ['-c', 'sleep 30', pidFile], { stdio: 'ignore' });
    try {
      writeFileSync(pidFile, `${String(child.pid)}\n`);
      expect(runningQemu(pidFile)).toBeNull();
      writeFileSync(pidFile, `${String(named.pid)}\n`);
      expect(runningQemu(pidFile)).toBe(named.pid);
      const exited = new Promise((resolve) => named.on('exit', resolve));
      named.kill('SIGKILL');
      await exited;
      expect(runningQemu(pidFile)).toBeNull();
      writeFileSync(pidFile, 'garbage');
      expect(runningQemu(pidFile)).toBeNull();
    } finally {
      child.kill('SIGKILL');
      named.kill('SIGKILL');
    }
  });
});
