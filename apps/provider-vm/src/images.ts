import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@ucloud/provider-sdk';

/**
 * A VM image: a folder of IMAGE_DIR named as the tool's image. With `disk.qcow2` it is a disk
 * image: the kernel boots `disk-initrd.gz`, which mounts the rank's copy-on-write overlay of the
 * disk (the base is never written). Otherwise `initrd.gz` is the whole guest. `vmlinuz` always.
 */
export interface VmImage {
  name: string;
  kernel: string;
  /** The base initramfs the job's parameters are appended to. */
  initrd: string;
  /** The base disk, when the image boots one. */
  disk?: string;
}

/** Image names are one path segment: letters, digits, `.`, `_`, `-`, not starting with a dot. */
const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The files of image `name` in `imageDir`; InvalidArgumentError naming it when there is none. */
export function resolveImage(imageDir: string, name: string): VmImage {
  if (name === '') throw new InvalidArgumentError('The job names no VM image');
  const dir = join(imageDir, name);
  if (!IMAGE_NAME.test(name) || !existsSync(join(dir, 'vmlinuz'))) {
    throw new InvalidArgumentError(`Unknown VM image "${name}": this provider has no such image`);
  }
  const kernel = join(dir, 'vmlinuz');
  if (existsSync(join(dir, 'disk.qcow2'))) {
    const initrd = join(dir, 'disk-initrd.gz');
    if (!existsSync(initrd)) {
      throw new InvalidArgumentError(`The VM image "${name}" has a disk but no disk-initrd.gz`);
    }
    return { name, kernel, initrd, disk: join(dir, 'disk.qcow2') };
  }
  const initrd = join(dir, 'initrd.gz');
  if (!existsSync(initrd)) {
    throw new InvalidArgumentError(`The VM image "${name}" has neither disk.qcow2 nor initrd.gz`);
  }
  return { name, kernel, initrd };
}
