import { execFileSync } from 'node:child_process';

/** Whether `command --version` runs on this machine. */
export function hostHas(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * For tests that need something of the host (QEMU, qemu-img, cpio, the test image): null when
 * `missing` is null; otherwise a failure with VM_TESTS=required (CI), else a loud warning, and
 * `true`, to skip.
 */
export function skipWithout(missing: string | null): boolean {
  if (missing === null) return false;
  if (process.env.VM_TESTS === 'required') throw new Error(`VM_TESTS=required, but ${missing}`);
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING VM TESTS: ${missing}\n${'!'.repeat(100)}\n`);
  return true;
}
