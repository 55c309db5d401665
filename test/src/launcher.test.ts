import { startStack } from '@ucloud/launcher';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acmeBatchRequest,
  eventually,
  LAUNCHER,
  npmStart,
  rest,
  type Component,
  type NpmStart,
} from './npm-start.js';

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

/** Waits until `condition` holds, polling every 20 ms. */
async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates README's example job through the REST API and waits for it to end SUCCESS. */
async function jobRunsToSuccess(launched: NpmStart, url: string): Promise<void> {
  const created = await eventually(() =>
    rest<{ responses: Array<{ id: string }> }>(
      url,
      launched.token,
      '/api/jobs',
      acmeBatchRequest('after a restart', 1),
    ),
  );
  const id = created.responses[0]!.id;
  await eventually(async () => {
    const job = await rest<{ status: { state: string } }>(
      url,
      launched.token,
      `/api/jobs/retrieve?id=${id}`,
    );
    if (job.status.state !== 'SUCCESS') throw new Error(`job ${id} is ${job.status.state}`);
  });
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

describe('npm start', () => {
  it.each([1, 3])(
    'leaves no process behind on SIGTERM during start-up, once %i of its components is started',
    async (started) => {
      const launched = npmStart();
      try {
        await until(
          () => Object.keys(launched.components()).length >= started,
          `${started} components to be spawned`,
        );
        launched.process.kill('SIGTERM');
        const exit = await launched.exited;
        expect(processesUsing(launched.dataDir)).toEqual([]);
        expect(exit).toEqual({ code: 0, signal: null });
      } finally {
        for (const pid of processesUsing(launched.dataDir)) process.kill(pid, 'SIGKILL');
        await launched.dispose();
      }
    },
  );

  it('stops when npm is stopped, though npm passes SIGTERM only to its shell, which dies', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ucloud-npm-'));
    // What `npm start` runs: a shell running the launcher (not exec'd), with npm's environment.
    const shell = spawn('/bin/sh', ['-c', `"${process.execPath}" "${LAUNCHER}" && exit`], {
      env: { ...process.env, DATA_DIR: dataDir, PORT: '0', npm_lifecycle_event: 'start' },
      stdio: 'ignore',
    });
    try {
      await until(() => processesUsing(dataDir).length === 5, 'shell, launcher and components');
      shell.kill('SIGTERM');
      await until(() => processesUsing(dataDir).length === 0, 'every process to stop');
    } finally {
      for (const pid of processesUsing(dataDir)) process.kill(pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('restarts only the component that was killed, after which jobs run again', async () => {
    const launched = npmStart();
    try {
      const url = await launched.running;
      await jobRunsToSuccess(launched, url);
      for (const victim of ['native', 'gateway', 'orchestrator'] as const satisfies Component[]) {
        const before = launched.components();
        process.kill(before[victim]!, 'SIGKILL');
        await until(() => {
          const now = launched.components()[victim];
          return now !== undefined && now !== before[victim];
        }, `${victim} to be restarted`);
        expect(launched.process.exitCode).toBeNull();
        expect(launched.components()).toEqual({
          ...before,
          [victim]: launched.components()[victim],
        });
        await jobRunsToSuccess(launched, url);
        expect(launched.output).toContainEqual(
          expect.stringMatching(
            new RegExp(`${victim} exited unexpectedly \\(signal SIGKILL\\); restarting`),
          ),
        );
      }
    } finally {
      await launched.dispose();
    }
  }, 300_000);
});
