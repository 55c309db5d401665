import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJobInitrd, type JobParameters } from './job-initramfs.js';
import { accelDefault, buildQemuArgs, createOverlay, GUEST_APPEND, startQemu } from './qemu.js';
import { loadConfig } from './config.js';
import { QmpClient, queryStatus, setVncPassword, type QmpEvent } from './qmp.js';

/**
 * Boots the image scripts/vm-image.sh builds (in VM_IMAGE_DIR, default /tmp/ucloud-vm-image) under
 * QEMU. Without QEMU or the image the tests are skipped loudly, unless VM_TESTS=required, where that
 * is a failure. VM_ACCEL (auto, kvm, tcg) defaults to tcg: KVM is not everywhere it seems to be.
 */
const IMAGE_DIR = process.env.VM_IMAGE_DIR ?? '/tmp/ucloud-vm-image';
const QEMU = process.env.VM_QEMU ?? 'qemu-system-x86_64';
const ACCEL = loadConfig({ ACCEL: process.env.VM_ACCEL ?? 'tcg' }).accel;

function whatIsMissing(): string | null {
  try {
    execFileSync(QEMU, ['--version'], { stdio: 'ignore' });
    execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
  } catch {
    return `${QEMU} or qemu-img cannot run (apt-get install -y qemu-system-x86 qemu-utils)`;
  }
  const files = [
    'busybox/vmlinuz',
    'busybox/initrd.gz',
    'busybox-disk/vmlinuz',
    'busybox-disk/disk.qcow2',
    'busybox-disk/disk-initrd.gz',
  ];
  const absent = files.filter((f) => !existsSync(join(IMAGE_DIR, f)));
  if (absent.length > 0) {
    return `${IMAGE_DIR} lacks ${absent.join(', ')} (run scripts/vm-image.sh ${IMAGE_DIR})`;
  }
  return null;
}

const missing = whatIsMissing();
if (missing !== null) {
  if (process.env.VM_TESTS === 'required') throw new Error(`VM_TESTS=required, but ${missing}`);
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING THE VM TESTS: ${missing}\n${'!'.repeat(100)}\n`);
}

let dir = '';
const started: number[] = [];

/** Whether a process runs: a zombie has exited, its parent (init) just has not reaped it yet. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function serial(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts one rank's VM in `name`'s directory and connects to its QMP socket. */
async function boot(
  name: string,
  params: JobParameters,
  withDisk: boolean,
): Promise<{
  pid: number;
  qmp: QmpClient;
  log: string;
  exitLog: string;
  vnc: string;
  startedAt: number;
}> {
  const rankDir = join(dir, name);
  mkdirSync(rankDir);
  const initrd = join(rankDir, 'initrd.gz');
  const image = join(IMAGE_DIR, withDisk ? 'busybox-disk' : 'busybox');
  await writeJobInitrd(join(image, withDisk ? 'disk-initrd.gz' : 'initrd.gz'), params, initrd);
  let disk: string | undefined;
  if (withDisk) {
    disk = join(rankDir, 'disk.qcow2');
    await createOverlay(join(image, 'disk.qcow2'), disk);
  }
  const log = join(rankDir, 'serial.log');
  const exitLog = join(rankDir, 'exit.log');
  const qmpSocket = join(rankDir, 'qmp.sock');
  const vnc = join(rankDir, 'vnc.sock');
  const argv = buildQemuArgs({
    qemuBinary: QEMU,
    accel: await accelDefault(ACCEL),
    cpus: 1,
    memoryMiB: 256,
    kernel: join(image, 'vmlinuz'),
    initrd,
    disk,
    append: GUEST_APPEND,
    serialLogPath: log,
    exitLogPath: exitLog,
    qmpSocketPath: qmpSocket,
    vncSocketPath: vnc,
    pidFile: join(rankDir, 'qemu.pid'),
    name: `it-${name}`,
  });
  const startedAt = Date.now();
  const pid = await startQemu(argv);
  started.push(pid);
  const qmp = await QmpClient.connect(qmpSocket);
  return { pid, qmp, log, exitLog, vnc, startedAt };
}

/** The first bytes a VNC server sends: its protocol version. */
function vncBanner(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.length >= 12) {
        socket.destroy();
        resolve(received.slice(0, 12));
      }
    });
    socket.on('error', reject);
  });
}

describe.skipIf(missing !== null)('a QEMU VM booted from the test image', () => {
  beforeAll(() => {
    // A comma in every path: QEMU's option syntax must see it escaped.
    dir = mkdtempSync(join(tmpdir(), 'vm-it,'));
  });

  afterAll(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the job, pauses and resumes, answers VNC, and quits with the job still running', async () => {
    const vm = await boot(
      'long',
      {
        jobId: 'it-long',
        rank: 0,
        numberOfNodes: 1,
        environment: { GREETING: "hello, it's me" },
        argv: [
          'sh',
          '-c',
          'echo "rank $UCLOUD_RANK of $UCLOUD_NUMBER_OF_NODES"; echo "$GREETING";' +
            ' (while :; do echo tick; sleep 0.2; done) & sleep 600',
        ],
      },
      false,
    );
    await setVncPassword(vm.qmp, 'secret');

    await expect.poll(() => serial(vm.log), { timeout: 30_000, interval: 50 }).toContain('rank');
    console.log(`boot to the job's first line: ${Date.now() - vm.startedAt} ms`);
    await expect.poll(() => serial(vm.log), { timeout: 5_000 }).toContain('tick');
    expect(serial(vm.log)).toContain("rank 0 of 1\nhello, it's me\n");
    expect(await queryStatus(vm.qmp)).toEqual({ running: true, status: 'running' });

    await vm.qmp.execute('stop');
    expect(await queryStatus(vm.qmp)).toEqual({ running: false, status: 'paused' });
    await sleep(300);
    const pausedSize = statSync(vm.log).size;
    await sleep(1500);
    expect(statSync(vm.log).size).toBe(pausedSize);

    await vm.qmp.execute('cont');
    expect(await queryStatus(vm.qmp)).toEqual({ running: true, status: 'running' });
    await expect.poll(() => statSync(vm.log).size, { timeout: 10_000 }).toBeGreaterThan(pausedSize);

    expect(await vncBanner(vm.vnc)).toMatch(/^RFB 003\.00\d\n$/);

    await vm.qmp.execute('quit');
    await vm.qmp.closed;
    await expect.poll(() => alive(vm.pid), { timeout: 10_000 }).toBe(false);
    expect(serial(vm.exitLog)).toBe('');
  }, 60_000);

  it('boots a disk overlay, and QEMU exits by itself when the job ends and the guest powers off', async () => {
    const vm = await boot(
      'disk',
      {
        jobId: 'it-disk',
        rank: 1,
        numberOfNodes: 2,
        environment: {},
        argv: ['sh', '-c', 'echo "disk rank $UCLOUD_RANK"; echo kept > /root/file; cat /root/file'],
      },
      true,
    );
    const events: QmpEvent[] = [];
    vm.qmp.onEvent((e) => events.push(e));

    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      vm.qmp.closed,
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`QEMU still runs; the console said:\n${serial(vm.log)}`));
        }, 40_000);
      }),
    ]).finally(() => clearTimeout(timer));
    expect(serial(vm.log)).toBe('disk rank 1\nkept\n');
    expect(serial(vm.exitLog)).toBe('ucloud: exit status 0\n');
    expect(events.map((e) => e.event)).toContain('SHUTDOWN');
    expect(events.find((e) => e.event === 'SHUTDOWN')?.data).toMatchObject({ guest: true });
    await expect.poll(() => alive(vm.pid), { timeout: 10_000 }).toBe(false);
  }, 60_000);
});
