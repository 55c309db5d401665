import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  accelDefault,
  buildQemuArgs,
  GUEST_APPEND,
  rankFiles,
  resolveImage,
  startQemu,
  writeJobInitrd,
  loadConfig,
} from '@ucloud/provider-vm';
import { followUntil, stdoutOf, waitForJob, type TestStack } from '../harness.js';
import { percentile } from './stats.js';
import {
  qemusUnder,
  startVmStack,
  TEST_IMAGE,
  VM_ACCEL,
  VM_IMAGE_DIR,
  VM_PRODUCT,
  VM_QEMU,
  vmHost,
} from '../vm-harness.js';

/**
 * Starting a VM job through the whole stack (typed client → orchestrator → gateway → VM plugin →
 * QEMU) against launching the same QEMU command directly, in one run, one job at a time.
 *
 * Both boot vm-batch's command in the busybox image with the demo product's 1 CPU and 1 GiB:
 * the direct phase writes the rank's initrd and runs buildQemuArgs' argv, as the plugin does.
 * Two times each: until QEMU runs (the stack: the job RUNNING; direct: the daemonized QEMU's
 * parent returned) and until the job's first line is on the console (the stack: through follow).
 */
const SAMPLES = 5;

/** vm-batch's script in the demo catalog, with its arguments: its value, 1 line. */
const SCRIPT =
  'echo "vm-batch: value=$1 rank=$UCLOUD_RANK of $UCLOUD_NUMBER_OF_NODES"; i=1; ' +
  'while [ $i -le ${2:-3} ]; do echo "line $i of ${2:-3}"; sleep 1; i=$((i+1)); done; exit ${3:-0}';

interface Sample {
  runningMs: number;
  firstLineMs: number;
}

const poll = async (done: () => boolean, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function direct(dir: string, n: number): Promise<Sample> {
  const image = resolveImage(VM_IMAGE_DIR, TEST_IMAGE);
  const jobDir = join(dir, `direct-${String(n)}`);
  mkdirSync(jobDir, { recursive: true });
  const files = rankFiles(jobDir, 0);
  const started = performance.now();
  await writeJobInitrd(
    image.initrd,
    {
      jobId: `direct-${String(n)}`,
      rank: 0,
      numberOfNodes: 1,
      environment: {},
      argv: ['/bin/sh', '-c', SCRIPT, 'vm-batch', `direct ${String(n)}`, '1'],
    },
    files.initrd,
  );
  await startQemu(
    buildQemuArgs({
      qemuBinary: VM_QEMU,
      accel: await accelDefault(loadConfig({ ACCEL: VM_ACCEL }).accel),
      cpus: 1,
      memoryMiB: 1024,
      kernel: image.kernel,
      initrd: files.initrd,
      append: GUEST_APPEND,
      serialLogPath: files.stdout,
      exitLogPath: files.exitLog,
      qmpSocketPath: files.qmpSocket,
      vncSocketPath: files.vncSocket,
      pidFile: files.pidFile,
    }),
  );
  const runningMs = performance.now() - started;
  const serial = () => (existsSync(files.stdout) ? readFileSync(files.stdout, 'utf8') : '');
  await poll(() => serial().includes('vm-batch: value='));
  const firstLineMs = performance.now() - started;
  // The guest powers off after its line: the next sample starts on an idle machine.
  await poll(() => qemusUnder(jobDir).length === 0);
  return { runningMs, firstLineMs };
}

async function throughStack(stack: TestStack, n: number): Promise<Sample> {
  const client = stack.client();
  const started = performance.now();
  const { responses } = await client.jobs.create.mutate({
    items: [
      {
        application: { name: 'vm-batch', version: '1.0.0' },
        product: VM_PRODUCT,
        allowDuplicateJob: true,
        parameters: {
          value: { type: 'text', value: `stack ${String(n)}` },
          lines: { type: 'integer', value: 1 },
        },
      },
    ],
  });
  const id = responses[0]!.id;
  let runningMs = NaN;
  void waitForJob(client, id, (j) => j.status.state !== 'IN_QUEUE').then(() => {
    runningMs = performance.now() - started;
  });
  await followUntil(client, id, { until: (e) => stdoutOf(e).includes('vm-batch: value=') });
  const firstLineMs = performance.now() - started;
  await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
  return { runningMs, firstLineMs };
}

export async function benchVmStarts(): Promise<void> {
  const host = vmHost();
  if (!host.ok) {
    console.log(`vm starts: not measured, ${host.reason}`);
    return;
  }
  const stack = await startVmStack();
  try {
    const plain: Sample[] = [];
    const through: Sample[] = [];
    // Alternated, so that neither phase has the machine in a better state.
    for (let n = 0; n < SAMPLES; n++) {
      plain.push(await direct(join(stack.dataDir, 'bench-direct'), n));
      through.push(await throughStack(stack, n));
    }
    const median = (samples: Sample[], key: keyof Sample) =>
      percentile(
        samples.map((s) => s[key]).sort((a, b) => a - b),
        50,
      );
    const line = (key: keyof Sample, what: string) => {
      const [p, t] = [median(plain, key), median(through, key)];
      return `  ${what}: direct ${p.toFixed(0)} ms, whole stack ${t.toFixed(0)} ms, ratio ${(t / p).toFixed(2)}`;
    };
    console.log(
      `vm starts, median of ${String(SAMPLES)} one at a time (accel ${VM_ACCEL}):\n` +
        `${line('runningMs', 'create → QEMU running (stack: RUNNING)')}\n` +
        line('firstLineMs', "create → the job's first console line"),
    );
  } finally {
    await stack.dispose();
  }
}
