import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newcArchive } from './cpio.js';
import { hostHas, skipWithout } from './testing/host.js';

const noCpio = skipWithout(
  hostHas('cpio') ? null : 'cpio is not installed (apt-get install -y cpio)',
);

const dir = mkdtempSync(join(tmpdir(), 'cpio-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const archive = newcArchive([
  { kind: 'directory', path: 'ucloud', mode: 0o700 },
  { kind: 'file', path: 'ucloud/a', data: 'odd length\n' },
  { kind: 'file', path: 'ucloud/bb', data: Buffer.from([0, 1, 2]), mode: 0o600 },
  { kind: 'file', path: 'ucloud/empty', data: '' },
]);

describe('newcArchive', () => {
  it('writes 4-byte aligned newc records ending with the trailer', () => {
    expect(archive.length % 4).toBe(0);
    expect(archive.subarray(0, 6).toString()).toBe('070701');
    expect(archive.toString('latin1')).toContain('TRAILER!!!\0');
  });

  it('is the same bytes for the same entries', () => {
    expect(newcArchive([{ kind: 'file', path: 'x', data: 'y' }])).toEqual(
      newcArchive([{ kind: 'file', path: 'x', data: 'y' }]),
    );
  });

  it.skipIf(noCpio)('unpacks with GNU cpio to the same files and modes', () => {
    execFileSync('cpio', ['-i', '-d', '--quiet'], { cwd: dir, input: archive });
    expect(readFileSync(join(dir, 'ucloud/a'), 'utf8')).toBe('odd length\n');
    expect([...readFileSync(join(dir, 'ucloud/bb'))]).toEqual([0, 1, 2]);
    expect(readFileSync(join(dir, 'ucloud/empty'), 'utf8')).toBe('');
    expect(statSync(join(dir, 'ucloud')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'ucloud/bb')).mode & 0o777).toBe(0o600);
  });

  it('refuses paths that would leave the archive', () => {
    expect(() => newcArchive([{ kind: 'file', path: '/etc/x', data: '' }])).toThrow(RangeError);
    expect(() => newcArchive([{ kind: 'file', path: 'a/../../x', data: '' }])).toThrow(RangeError);
  });
});
