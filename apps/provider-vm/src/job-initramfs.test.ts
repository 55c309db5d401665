import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { InvalidArgumentError } from '@ucloud/provider-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { jobInitramfs, renderCommand, renderJobEnv, writeJobInitrd } from './job-initramfs.js';

const params = {
  jobId: '42',
  rank: 1,
  numberOfNodes: 2,
  environment: { GREETING: "it's me", UCLOUD_RANK: 'spoofed' },
  argv: ['sh', '-c', 'echo "$GREETING" $UCLOUD_RANK'],
};

const dir = mkdtempSync(join(tmpdir(), 'job-initramfs-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the job parameters', () => {
  it('put the UCLOUD_ variables after the job’s own, so they win', () => {
    const env = renderJobEnv(params);
    expect(env).toBe(
      [
        `export GREETING='it'\\''s me'`,
        `export UCLOUD_RANK='1'`,
        `export UCLOUD_JOB_ID='42'`,
        `export UCLOUD_NUMBER_OF_NODES='2'`,
        '',
      ].join('\n'),
    );
  });

  it('run in a shell the way the guest’s /init runs them', () => {
    const script = `${renderJobEnv(params)}eval "set -- $(cat)"; "$@"`;
    const out = execFileSync('sh', ['-c', script], { input: renderCommand(params.argv) });
    expect(out.toString()).toBe("it's me 1\n");
  });

  it('need a command', () => {
    expect(() => renderCommand([])).toThrow(InvalidArgumentError);
  });
});

describe('writeJobInitrd', () => {
  it('appends the job’s gzip-compressed archive to the base initrd', async () => {
    const base = gzipSync(Buffer.from('base archive'));
    writeFileSync(join(dir, 'base.gz'), base);
    const out = join(dir, 'job.gz');
    await writeJobInitrd(join(dir, 'base.gz'), params, out);
    const written = readFileSync(out);
    expect(written.subarray(0, base.length)).toEqual(base);
    const archive = gunzipSync(written.subarray(base.length)).toString('latin1');
    expect(archive).toContain('ucloud/job.env\0');
    expect(archive).toContain(`export UCLOUD_JOB_ID='42'`);
    expect(archive).toContain(`'sh' '-c' 'echo "$GREETING" $UCLOUD_RANK'\n`);
    expect(written.subarray(base.length)).toEqual(jobInitramfs(params));
  });
});
