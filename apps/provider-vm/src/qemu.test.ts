import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '@ucloud/provider-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { hostHas, skipWithout } from './testing/host.js';
import {
  accelDefault,
  buildQemuArgs,
  createOverlay,
  GUEST_APPEND,
  qemuOptionValue,
  type QemuSpec,
} from './qemu.js';

const spec: QemuSpec = {
  qemuBinary: 'qemu-system-x86_64',
  accel: 'tcg',
  cpus: 2,
  memoryMiB: 256,
  kernel: '/img/vmlinuz',
  initrd: '/jobs/1/rank-0/initrd.gz',
  append: GUEST_APPEND,
  serialLogPath: '/jobs/1/rank-0/serial.log',
  exitLogPath: '/jobs/1/rank-0/exit.log',
  qmpSocketPath: '/jobs/1/rank-0/qmp.sock',
  vncSocketPath: '/jobs/1/rank-0/vnc.sock',
  shellSockets: { shell: '/jobs/1/rank-0/shell.sock', control: '/jobs/1/rank-0/shellctl.sock' },
  pidFile: '/jobs/1/rank-0/qemu.pid',
};

/** The value after `flag` (the first one, or the n-th). */
function after(argv: string[], flag: string, nth = 0): string | undefined {
  const indexes = argv.flatMap((a, i) => (a === flag ? [i] : []));
  const index = indexes[nth];
  return index === undefined ? undefined : argv[index + 1];
}

const dir = mkdtempSync(join(tmpdir(), 'qemu-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildQemuArgs', () => {
  it('starts a daemon with a pid file, the console appended to a file, QMP, VNC and shell ports on sockets', () => {
    const argv = buildQemuArgs(spec);
    expect(argv[0]).toBe('qemu-system-x86_64');
    expect(after(argv, '-machine')).toBe('accel=tcg');
    expect(argv).not.toContain('-cpu');
    expect(after(argv, '-smp')).toBe('2');
    expect(after(argv, '-m')).toBe('256');
    expect(after(argv, '-kernel')).toBe('/img/vmlinuz');
    expect(after(argv, '-initrd')).toBe('/jobs/1/rank-0/initrd.gz');
    expect(after(argv, '-append')).toBe('console=ttyS0 quiet loglevel=0 panic=-1');
    expect(after(argv, '-chardev', 0)).toBe(
      'file,id=serial0,path=/jobs/1/rank-0/serial.log,append=on',
    );
    expect(after(argv, '-serial')).toBe('chardev:serial0');
    expect(after(argv, '-chardev', 1)).toBe(
      'file,id=serial1,path=/jobs/1/rank-0/exit.log,append=on',
    );
    expect(after(argv, '-serial', 1)).toBe('chardev:serial1');
    expect(after(argv, '-chardev', 2)).toBe(
      'socket,id=shell0,path=/jobs/1/rank-0/shell.sock,server=on,wait=off',
    );
    expect(after(argv, '-serial', 2)).toBe('chardev:shell0');
    expect(after(argv, '-chardev', 3)).toBe(
      'socket,id=shellctl0,path=/jobs/1/rank-0/shellctl.sock,server=on,wait=off',
    );
    expect(after(argv, '-serial', 3)).toBe('chardev:shellctl0');
    expect(after(argv, '-chardev', 4)).toBe(
      'socket,id=qmp0,path=/jobs/1/rank-0/qmp.sock,server=on,wait=off',
    );
    expect(after(argv, '-mon')).toBe('chardev=qmp0,mode=control');
    expect(after(argv, '-vnc')).toBe('unix:/jobs/1/rank-0/vnc.sock,password=on');
    expect(after(argv, '-display')).toBe('none');
    expect(after(argv, '-pidfile')).toBe('/jobs/1/rank-0/qemu.pid');
    expect(argv).toContain('-daemonize');
    expect(argv).toContain('-no-reboot');
    expect(argv).not.toContain('-drive');
  });

  it('gives a VM without shell sockets no shell ports', () => {
    const argv = buildQemuArgs({ ...spec, shellSockets: undefined });
    expect(argv.filter((a) => a.startsWith('chardev:'))).toEqual([
      'chardev:serial0',
      'chardev:serial1',
    ]);
  });

  it('gives KVM guests the host CPU and attaches a disk as virtio', () => {
    const argv = buildQemuArgs({ ...spec, accel: 'kvm', disk: '/jobs/1/rank-0/disk.qcow2' });
    expect(after(argv, '-machine')).toBe('accel=kvm');
    expect(after(argv, '-cpu')).toBe('host');
    expect(after(argv, '-drive')).toBe('file=/jobs/1/rank-0/disk.qcow2,if=virtio,format=qcow2');
  });

  it('doubles commas in option values, and only there', () => {
    const argv = buildQemuArgs({
      ...spec,
      name: 'job,1',
      kernel: '/a,b/vmlinuz',
      disk: '/a,b/disk',
      serialLogPath: '/a,b/serial.log',
      qmpSocketPath: '/a,b/qmp.sock',
      vncSocketPath: '/a,b/vnc.sock',
      shellSockets: { shell: '/a,b/shell.sock', control: '/a,b/shellctl.sock' },
    });
    expect(after(argv, '-name')).toBe('job,,1');
    expect(after(argv, '-kernel')).toBe('/a,b/vmlinuz');
    expect(after(argv, '-drive')).toBe('file=/a,,b/disk,if=virtio,format=qcow2');
    expect(after(argv, '-chardev', 0)).toContain('path=/a,,b/serial.log,');
    expect(after(argv, '-chardev', 2)).toContain('path=/a,,b/shell.sock,');
    expect(after(argv, '-chardev', 4)).toContain('path=/a,,b/qmp.sock,');
    expect(after(argv, '-vnc')).toBe('unix:/a,,b/vnc.sock,password=on');
    expect(qemuOptionValue('a,,b')).toBe('a,,,,b');
  });

  it('refuses impossible sizes and NUL', () => {
    expect(() => buildQemuArgs({ ...spec, cpus: 0 })).toThrow(InvalidArgumentError);
    expect(() => buildQemuArgs({ ...spec, cpus: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => buildQemuArgs({ ...spec, memoryMiB: 8 })).toThrow(InvalidArgumentError);
    expect(() => buildQemuArgs({ ...spec, append: 'a\0b' })).toThrow(InvalidArgumentError);
  });
});

describe('accelDefault', () => {
  const openable = join(dir, 'kvm');
  writeFileSync(openable, '');
  const missing = join(dir, 'no-kvm');

  it('takes KVM on auto where the device opens, TCG where not', async () => {
    expect(await accelDefault('auto', openable)).toBe('kvm');
    expect(await accelDefault('auto', missing)).toBe('tcg');
  });

  it('does what the setting says, and refuses KVM without the device', async () => {
    expect(await accelDefault('tcg', openable)).toBe('tcg');
    expect(await accelDefault('kvm', openable)).toBe('kvm');
    await expect(accelDefault('kvm', missing)).rejects.toThrow(FailedPreconditionError);
  });
});

const noQemuImg = skipWithout(
  hostHas('qemu-img') ? null : 'qemu-img is not installed (apt-get install -y qemu-utils)',
);

describe.skipIf(noQemuImg)('createOverlay', () => {
  it('creates a qcow2 backed by the base, and refuses to replace one', async () => {
    const base = join(dir, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '16M']);
    const overlay = join(dir, 'overlay.qcow2');
    await createOverlay(base, overlay);
    const info = JSON.parse(
      execFileSync('qemu-img', ['info', '--output=json', overlay]).toString(),
    ) as { format: string; 'backing-filename': string };
    expect(info.format).toBe('qcow2');
    expect(info['backing-filename']).toBe(base);
    await expect(createOverlay(base, overlay)).rejects.toThrow(FailedPreconditionError);
  });

  it('says what qemu-img said when it fails', async () => {
    await expect(createOverlay(join(dir, 'missing.qcow2'), join(dir, 'o2.qcow2'))).rejects.toThrow(
      /qemu-img failed \(exit 1\): .*missing\.qcow2/,
    );
  });
});
