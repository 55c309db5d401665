import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@ucloud/provider-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveImage } from './images.js';

const dir = mkdtempSync(join(tmpdir(), 'vm-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function image(name: string, files: string[]): void {
  mkdirSync(join(dir, name));
  for (const f of files) writeFileSync(join(dir, name, f), '');
}

image('small', ['vmlinuz', 'initrd.gz']);
image('disky', ['vmlinuz', 'disk.qcow2', 'disk-initrd.gz', 'initrd.gz']);
image('broken', ['vmlinuz', 'disk.qcow2']);

describe('how an image name maps to files of the image directory', () => {
  it('takes <name>/{vmlinuz,initrd.gz} as a kernel and initramfs image', () => {
    expect(resolveImage(dir, 'small')).toEqual({
      name: 'small',
      kernel: join(dir, 'small', 'vmlinuz'),
      initrd: join(dir, 'small', 'initrd.gz'),
    });
  });

  it('boots <name>/disk.qcow2 with disk-initrd.gz when the image has a disk', () => {
    expect(resolveImage(dir, 'disky')).toMatchObject({
      initrd: join(dir, 'disky', 'disk-initrd.gz'),
      disk: join(dir, 'disky', 'disk.qcow2'),
    });
  });

  it('refuses unknown names, names that leave the directory, and incomplete images', () => {
    for (const name of ['nope', '../small', '.', 'small/..', '']) {
      expect(() => resolveImage(dir, name)).toThrow(InvalidArgumentError);
    }
    expect(() => resolveImage(dir, 'nope')).toThrow('Unknown VM image "nope"');
    expect(() => resolveImage(dir, 'broken')).toThrow('no disk-initrd.gz');
  });
});
