import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '@ucloud/provider-sdk';

/** How QEMU runs the guest: hardware virtualisation, or TCG's software emulation (slow, always there). */
export type Accel = 'kvm' | 'tcg';
/** The plugin's setting: `auto` takes KVM where /dev/kvm can be opened. */
export type AccelSetting = 'auto' | Accel;

/**
 * The kernel command line the test image expects: console on the first serial port, no reboot.
 * `loglevel=0` keeps the kernel's own lines (its "Power down" at the end) out of the job's output.
 */
export const GUEST_APPEND = 'console=ttyS0 quiet loglevel=0 panic=-1';

/** One rank's VM. Paths may contain anything but NUL; commas are escaped for QEMU's options. */
export interface QemuSpec {
  qemuBinary: string;
  accel: Accel;
  cpus: number;
  memoryMiB: number;
  kernel: string;
  /** One file: x86 QEMU takes a single initrd, so the job's is appended to the base (writeJobInitrd). */
  initrd: string;
  /** The rank's copy-on-write disk (createOverlay), the guest's /dev/vda; none boots the initrd alone. */
  disk?: string;
  append: string;
  /** The guest's console, appended to: a restarted VM adds to the log rather than truncating it. */
  serialLogPath: string;
  /** The guest's second serial port (ttyS1), where its /init reports the job's exit status. */
  exitLogPath: string;
  qmpSocketPath: string;
  /** VNC on a unix socket, refusing clients until a password is set over QMP (setVncPassword). */
  vncSocketPath: string;
  /**
   * The guest's third and fourth serial ports (ttyS2, ttyS3) on unix sockets: where its /init
   * serves shells, and their control lines (serial-shell.ts). None: a VM without shells.
   */
  shellSockets?: { shell: string; control: string };
  /** QEMU writes its pid here once it runs in the background. */
  pidFile: string;
  /** Shown by `ps` and in QMP's query-name. */
  name?: string;
}

/** A value inside a QEMU `key=value,…` option: a comma is written twice. */
export function qemuOptionValue(value: string): string {
  return value.replaceAll(',', ',,');
}

/**
 * The argv (binary first) that starts one rank's VM in the background: `-daemonize` makes QEMU
 * fork into its own session once it is ready, so the VM outlives the plugin, and the foreground
 * process exits then (0, or 1 with the reason on stderr). QMP and VNC are unix sockets in the job's
 * directory, so only the plugin's user reaches them.
 */
export function buildQemuArgs(spec: QemuSpec): string[] {
  if (!Number.isInteger(spec.cpus) || spec.cpus < 1) {
    throw new InvalidArgumentError(`a VM needs a whole number of CPUs, not ${spec.cpus}`);
  }
  if (!Number.isInteger(spec.memoryMiB) || spec.memoryMiB < 64) {
    throw new InvalidArgumentError(`a VM needs at least 64 MiB of memory, not ${spec.memoryMiB}`);
  }
  const paths = [
    spec.kernel,
    spec.initrd,
    spec.disk ?? '',
    spec.serialLogPath,
    spec.exitLogPath,
    spec.qmpSocketPath,
    spec.shellSockets?.shell ?? '',
    spec.shellSockets?.control ?? '',
  ];
  if ([...paths, spec.vncSocketPath, spec.pidFile, spec.append].some((p) => p.includes('\0'))) {
    throw new InvalidArgumentError('QEMU arguments cannot contain NUL');
  }
  const v = qemuOptionValue;
  return [
    spec.qemuBinary,
    ...(spec.name === undefined ? [] : ['-name', v(spec.name)]),
    '-machine',
    `accel=${spec.accel}`,
    // Under KVM the guest may use what the host CPU has; TCG emulates its default model.
    ...(spec.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp',
    String(spec.cpus),
    '-m',
    String(spec.memoryMiB),
    '-kernel',
    spec.kernel,
    '-initrd',
    spec.initrd,
    '-append',
    spec.append,
    ...(spec.disk === undefined ? [] : ['-drive', `file=${v(spec.disk)},if=virtio,format=qcow2`]),
    '-chardev',
    `file,id=serial0,path=${v(spec.serialLogPath)},append=on`,
    '-serial',
    'chardev:serial0',
    '-chardev',
    `file,id=serial1,path=${v(spec.exitLogPath)},append=on`,
    '-serial',
    'chardev:serial1',
    // Shells: a client at a time on each, and what the guest writes with none connected is dropped.
    ...(spec.shellSockets === undefined
      ? []
      : [
          '-chardev',
          `socket,id=shell0,path=${v(spec.shellSockets.shell)},server=on,wait=off`,
          '-serial',
          'chardev:shell0',
          '-chardev',
          `socket,id=shellctl0,path=${v(spec.shellSockets.control)},server=on,wait=off`,
          '-serial',
          'chardev:shellctl0',
        ]),
    '-chardev',
    `socket,id=qmp0,path=${v(spec.qmpSocketPath)},server=on,wait=off`,
    '-mon',
    'chardev=qmp0,mode=control',
    '-vnc',
    `unix:${v(spec.vncSocketPath)},password=on`,
    // No window, no monitor on stdio (a daemon has none), no NIC until jobs get networks.
    '-display',
    'none',
    '-monitor',
    'none',
    '-nic',
    'none',
    // The guest powering off or rebooting ends the VM: a job runs once.
    '-no-reboot',
    '-daemonize',
    '-pidfile',
    spec.pidFile,
  ];
}

/** The accelerator for a setting: `auto` is KVM if `kvmDevice` opens for reading and writing. */
export async function accelDefault(setting: AccelSetting, kvmDevice = '/dev/kvm'): Promise<Accel> {
  if (setting === 'tcg') return 'tcg';
  const usable = await access(kvmDevice, constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  if (setting === 'kvm' && !usable) {
    throw new FailedPreconditionError(`KVM is asked for, but ${kvmDevice} cannot be opened`);
  }
  return usable ? 'kvm' : 'tcg';
}

/** A QEMU tool ran and failed; `output` is what it printed on stderr. */
export class QemuError extends Error {
  override readonly name = 'QemuError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output === '' ? message : `${message}: ${output}`);
  }
}

/** Runs a program to its end; rejects with QemuError (and its stderr) unless it exits with 0. */
function run(argv: readonly string[]): Promise<void> {
  const [binary, ...args] = argv;
  if (binary === undefined) throw new RangeError('run needs a program');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err) => reject(new QemuError(`cannot run ${binary}`, err.message)));
    // 'close', not 'exit': the daemonized QEMU holds stderr until it is ready, and its errors
    // until then belong to this start.
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new QemuError(`${binary} failed (${signal ?? `exit ${code ?? '?'}`})`, stderr.trim()),
        );
    });
  });
}

/** Starts a VM from buildQemuArgs' argv and resolves with QEMU's pid once QMP accepts clients. */
export async function startQemu(argv: readonly string[]): Promise<number> {
  const pidFileIndex = argv.indexOf('-pidfile');
  const pidFile = argv[pidFileIndex + 1];
  if (pidFileIndex < 0 || pidFile === undefined || !argv.includes('-daemonize')) {
    throw new RangeError('startQemu needs a -daemonize and -pidfile argv (buildQemuArgs)');
  }
  await run(argv);
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new QemuError(`no pid in ${pidFile}`, '');
  return pid;
}

/**
 * Creates a rank's disk: a qcow2 overlay whose unwritten blocks are read from `base`, so ranks and
 * jobs share one image and each writes only its own changes. An existing overlay is refused, not
 * replaced: it is the disk of a VM that ran (or runs) already.
 */
export async function createOverlay(
  base: string,
  overlay: string,
  qemuImg = 'qemu-img',
): Promise<void> {
  if (
    await access(overlay).then(
      () => true,
      () => false,
    )
  ) {
    throw new FailedPreconditionError(`the overlay ${overlay} exists already`);
  }
  // qemu-img would read a relative backing path as relative to the overlay's directory.
  await run([qemuImg, 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', resolve(base), overlay]);
}
