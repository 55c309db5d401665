import { useVmStack, VM_PRODUCT, vmHost } from '../vm-harness.js';
import { backendSuite, rankedBatchOn } from './suite.js';

const host = vmHost();

backendSuite({
  name: 'vm',
  plugin: 'vm',
  unavailable: host.ok ? null : host.reason,
  useStack: () => useVmStack(host),
  product: VM_PRODUCT,
  // vm-batch in a VM: the console is its stdout.
  ...rankedBatchOn('vm-batch', VM_PRODUCT),
  suspension: true,
  shortAllocation: { hours: 0, minutes: 0, seconds: 3 },
  expiryWithinMs: 60_000,
});
