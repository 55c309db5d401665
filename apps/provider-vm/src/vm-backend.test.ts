import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  type CreateJobSpec,
  type JobEventInput,
  type JournalEvent,
} from '@ucloud/provider-sdk';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { hostHas, skipWithout } from './testing/host.js';
import { loadConfig } from './config.js';
import { runningQemu } from './rank-files.js';
import { VmBackend } from './vm-backend.js';

/** The images of scripts/vm-image.sh; the tests that boot them skip without QEMU or the images. */
const IMAGE_DIR = process.env.VM_IMAGE_DIR ?? '/tmp/ucloud-vm-image';
const QEMU = process.env.VM_QEMU ?? 'qemu-system-x86_64';
const canBoot = !skipWithout(
  !hostHas(QEMU)
    ? `${QEMU} is not installed (apt-get install -y qemu-system-x86)`
    : !existsSync(join(IMAGE_DIR, 'busybox', 'initrd.gz'))
      ? `the test image is not in ${IMAGE_DIR} (scripts/vm-image.sh ${IMAGE_DIR})`
      : null,
);

const dataDir = mkdtempSync(join(tmpdir(), 'vm-backend-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const events: JobEventInput[] = [];
const context = {
  emit(event: JobEventInput): JournalEvent {
    events.push(event);
    return {
      seq: events.length,
      eventStreamId: 'test',
      jobId: event.jobId,
      timestamp: Date.now(),
      state: event.state ?? null,
      status: event.status ?? null,
      expectedState: event.expectedState ?? null,
      newExpiresAt: event.newExpiresAt ?? null,
      providerGeneratedId: event.providerGeneratedId ?? null,
    };
  },
  emitMany(events: JobEventInput[]): JournalEvent[] {
    return events.map((event) => this.emit(event));
  },
  logger: pino({ level: 'silent' }),
};

const backend = new VmBackend({
  dataDir,
  jobsDir: join(dataDir, 'jobs'),
  imageDir: IMAGE_DIR,
  providerId: 'example',
  products: [{ id: 'vm-cpu', category: 'vm-cpu', features: {} }],
  qemuBinary: QEMU,
  qemuImg: 'qemu-img',
  accel: loadConfig({ ACCEL: process.env.VM_ACCEL ?? 'tcg' }).accel,
  terminateGraceMs: 500,
  pollIntervalMs: 100,
});
afterAll(() => backend.stop());

const spec = (jobId: string, extra: Partial<CreateJobSpec> = {}): CreateJobSpec => ({
  jobId,
  productId: 'vm-cpu',
  productCategory: 'vm-cpu',
  replicas: 1,
  backend: 'VIRTUAL_MACHINE',
  argv: ['sh', '-c', 'echo up; sleep 600'],
  environment: {},
  image: 'busybox',
  timeAllocationMs: null,
  cpu: 1,
  memoryBytes: 256 * 1024 ** 2,
  gpu: 0,
  jobJson: '{}',
  applicationType: 'BATCH',
  interactivePort: 0,
  ...extra,
});

const ended = (jobId: string) => events.some((e) => e.jobId === jobId && e.state === 'SUCCESS');

describe('the VM backend', () => {
  it('declares its products in the VIRTUAL_MACHINE block, with suspension', () => {
    const [product] = backend.describe();
    expect(product?.support.virtualMachine).toMatchObject({ enabled: true, suspension: true });
    expect(product?.support.docker).toBeNull();
  });

  it('refuses an unknown image by name, too little memory and bad variables, recording nothing', async () => {
    await expect(backend.create(spec('a', { image: 'no-such-image' }))).rejects.toThrow(
      new InvalidArgumentError('Unknown VM image "no-such-image": this provider has no such image'),
    );
    await expect(backend.create(spec('b', { memoryBytes: 1024 ** 2 }))).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(backend.create(spec('c', { environment: { 'A-B': '1' } }))).rejects.toThrow(
      InvalidArgumentError,
    );
    expect(await backend.verify(['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(() => backend.vncTarget('a', 0)).toThrow(NotFoundError);
  });

  it.skipIf(!canBoot)(
    "gives a running VM's VNC socket and password, and refuses them once it has ended",
    async () => {
      await backend.start(context);
      await backend.create(spec('vnc'));
      await expect
        .poll(() => events.some((e) => e.state === 'RUNNING'), { timeout: 30_000 })
        .toBe(true);
      const stdout = join(dataDir, 'jobs', 'vnc', 'rank-0.stdout');
      await expect.poll(() => readFileSync(stdout, 'utf8'), { timeout: 30_000 }).toBe('up\n');
      const target = backend.vncTarget('vnc', 0);
      expect(target.socketPath).toBe(join(dataDir, 'jobs', 'vnc', 'rank-0.vnc'));
      expect(target.password).toMatch(/^[\w-]{8}$/);
      expect(statSync(target.socketPath).isSocket()).toBe(true);
      expect(() => backend.vncTarget('vnc', 1)).toThrow(NotFoundError);

      await backend.terminate('vnc');
      await expect.poll(() => ended('vnc'), { timeout: 30_000 }).toBe(true);
      expect(runningQemu(join(dataDir, 'jobs', 'vnc', 'rank-0.pid'))).toBeNull();
      expect(() => backend.vncTarget('vnc', 0)).toThrow(FailedPreconditionError);
      expect(readFileSync(stdout, 'utf8')).toBe('up\n');
    },
    60_000,
  );
  it.skipIf(!canBoot)(
    "opens a shell into a running VM in the job's environment, resized, one at a time, until it exits",
    async () => {
      await backend.start(context);
      await backend.create(spec('shell', { environment: { GREETING: 'hello there' } }));
      await expect
        .poll(() => events.some((e) => e.jobId === 'shell' && e.state === 'RUNNING'), {
          timeout: 30_000,
        })
        .toBe(true);
      expect(await backend.openSession('shell', 0, 'SHELL')).toEqual({
        type: 'shell',
        sessionIdentifier: '',
      });
      const target = { jobId: 'shell', rank: 0, kind: 'SHELL' as const };
      const session = await backend.connectSession({ ...target, size: { cols: 100, rows: 30 } });
      let output = '';
      session.stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const sees = (pattern: RegExp) =>
        expect.poll(() => output, { timeout: 20_000 }).toMatch(pattern);

      session.stream.write('echo "$GREETING in $PWD, rank $UCLOUD_RANK"; stty size\n');
      await sees(/hello there in \/root, rank 0\r?\n30 100/);
      await expect(backend.connectSession({ ...target, size: null })).rejects.toThrow(
        FailedPreconditionError,
      );
      session.resize?.({ cols: 132, rows: 43 });
      session.stream.write('stty size\n');
      await sees(/43 132/);
      session.stream.write('exit\n');
      // The stream ends with the shell; the gateway's relay then destroys it.
      await once(session.stream, 'end');
      session.stream.destroy();
      await once(session.stream, 'close');

      // The next session gets a fresh shell.
      const again = await backend.connectSession({ ...target, size: null });
      output = '';
      again.stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      again.stream.write('stty size\n');
      await sees(/24 80/);
      again.stream.destroy();
      await once(again.stream, 'close');
      await backend.terminate('shell');
      await expect.poll(() => ended('shell'), { timeout: 30_000 }).toBe(true);
    },
    90_000,
  );
});
