import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CatalogSetup } from './catalog.js';
import { startTestStack, useStack, type StackSetup, type TestStack } from './harness.js';

/**
 * The VM tests boot the images of scripts/vm-image.sh (in VM_IMAGE_DIR, default
 * /tmp/ucloud-vm-image) under QEMU. Without QEMU or the images they are skipped loudly, unless
 * VM_TESTS=required (CI), where that is a failure. VM_ACCEL (auto, kvm, tcg) defaults to tcg: KVM
 * is not everywhere it seems to be.
 */
export type VmHost = { ok: true } | { ok: false; reason: string };

export const VM_IMAGE_DIR = process.env.VM_IMAGE_DIR ?? '/tmp/ucloud-vm-image';
export const VM_QEMU = process.env.VM_QEMU ?? 'qemu-system-x86_64';
export const VM_ACCEL = process.env.VM_ACCEL ?? 'tcg';

/** The image of the demo catalog's vm-batch (kernel and initramfs), and a disk image. */
export const TEST_IMAGE = 'busybox';
export const TEST_DISK_IMAGE = 'busybox-disk';

export const VM_PRODUCT = { id: 'vm-cpu', category: 'vm-cpu', provider: 'example' };

/** The plugin's PRODUCTS for the tests, as the demo catalog's vm-cpu. */
export const VM_PLUGIN_PRODUCTS = [
  { id: VM_PRODUCT.id, category: VM_PRODUCT.category, cpu: 1, memoryInGigs: 1 },
];

/** The plugin's settings for the tests: short grace and poll. */
export const VM_PLUGIN_ENV = {
  IMAGE_DIR: VM_IMAGE_DIR,
  QEMU_BINARY: VM_QEMU,
  ACCEL: VM_ACCEL,
  PRODUCTS: JSON.stringify(VM_PLUGIN_PRODUCTS),
  POLL_INTERVAL_MS: '250',
  TERMINATE_GRACE_MS: '1000',
};

function whatIsMissing(): string | null {
  try {
    execFileSync(VM_QEMU, ['--version'], { stdio: 'ignore' });
    execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
  } catch {
    return `${VM_QEMU} or qemu-img cannot run (apt-get install -y qemu-system-x86 qemu-utils)`;
  }
  const files = [
    `${TEST_IMAGE}/vmlinuz`,
    `${TEST_IMAGE}/initrd.gz`,
    `${TEST_DISK_IMAGE}/disk.qcow2`,
    `${TEST_DISK_IMAGE}/disk-initrd.gz`,
  ];
  const absent = files.filter((f) => !existsSync(join(VM_IMAGE_DIR, f)));
  if (absent.length > 0) {
    return `${VM_IMAGE_DIR} lacks ${absent.join(', ')} (run scripts/vm-image.sh ${VM_IMAGE_DIR})`;
  }
  return null;
}

/** Whether the VM tests can run here; see VmHost. */
export function vmHost(): VmHost {
  const missing = whatIsMissing();
  if (missing === null) return { ok: true };
  if (process.env.VM_TESTS === 'required') throw new Error(`VM_TESTS=required, but ${missing}`);
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING THE VM TESTS: ${missing}\n${'!'.repeat(100)}\n`);
  return { ok: false, reason: missing };
}

/** Pids of the QEMU processes whose command line names a path under `dir`. */
export function qemusUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return argv[0]?.includes('qemu') && argv.some((a) => a.includes(dir)) ? [Number(p)] : [];
      } catch {
        return [];
      }
    });
}

/** VMs outlive their plugin by design; a finished test must not leave any behind. */
export function killQemusUnder(dir: string): void {
  for (const pid of qemusUnder(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/**
 * Orchestrator + gateway + VM plugin, with the demo catalog (which has the VM product vm-cpu and
 * vm-batch) and what `catalog` adds to it.
 */
export async function startVmStack(
  catalog?: CatalogSetup,
  setup: Pick<StackSetup, 'extraUsers'> = {},
): Promise<TestStack> {
  const stack = await startTestStack({
    plugin: 'vm',
    ...setup,
    ...(catalog && { catalog }),
    env: { vm: VM_PLUGIN_ENV },
  });
  const dispose = async () => {
    await stack.dispose();
    killQemusUnder(stack.dataDir);
  };
  return { ...stack, dispose, [Symbol.asyncDispose]: dispose };
}

export function useVmStack(
  host: VmHost,
  catalog?: CatalogSetup,
  setup: Pick<StackSetup, 'extraUsers'> = {},
): TestStack {
  return useStack(() =>
    host.ok ? startVmStack(catalog, setup) : Promise.reject(new Error(host.reason)),
  );
}
