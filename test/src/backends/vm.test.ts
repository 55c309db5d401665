import { useVmStack, VM_PRODUCT, vmHost } from '../vm-harness.js';
import { backendSuite } from './suite.js';

const host = vmHost();

backendSuite({
  name: 'vm',
  plugin: 'vm',
  unavailable: host.ok ? null : host.reason,
  useStack: () => useVmStack(host),
  product: VM_PRODUCT,
  // vm-batch, in the busybox image: its first line names the rank; the console is its stdout.
  batch: (value, steps, extra = {}) => ({
    application: { name: 'vm-batch', version: '1.0.0' },
    product: VM_PRODUCT,
    allowDuplicateJob: true,
    parameters: {
      value: { type: 'text', value },
      lines: { type: 'integer', value: steps },
    },
    ...extra,
  }),
  output: (value, steps, rank, ranks) =>
    `vm-batch: value=${value} rank=${String(rank)} of ${String(ranks)}\n` +
    Array.from({ length: steps }, (_, i) => `line ${String(i + 1)} of ${String(steps)}\n`).join(''),
  exitStatus: (code) =>
    new RegExp(`^The job exited with code ${String(code)}( on all \\d+ ranks)?$`),
  expiredStatus: /^Your job has reached its time limit$/,
  suspension: true,
  terminal: true,
  shortAllocation: { hours: 0, minutes: 0, seconds: 3 },
  expiryWithinMs: 60_000,
});
