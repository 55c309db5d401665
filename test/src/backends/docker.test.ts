import { DOCKER_PRODUCT, dockerEngine, useDockerStack } from '../docker-harness.js';
import { backendSuite } from './suite.js';

const engine = await dockerEngine();

backendSuite({
  name: 'docker',
  plugin: 'docker',
  unavailable: engine.ok ? null : engine.reason,
  useStack: () => useDockerStack(engine),
  product: DOCKER_PRODUCT,
  // busybox-batch, in the busybox image: its first line names the rank.
  batch: (value, steps, extra = {}) => ({
    application: { name: 'busybox-batch', version: '1.0.0' },
    product: DOCKER_PRODUCT,
    allowDuplicateJob: true,
    parameters: {
      value: { type: 'text', value },
      lines: { type: 'integer', value: steps },
    },
    ...extra,
  }),
  output: (value, steps, rank, ranks) =>
    `busybox-batch: value=${value} rank=${String(rank)} of ${String(ranks)}\n` +
    Array.from({ length: steps }, (_, i) => `line ${String(i + 1)} of ${String(steps)}\n`).join(''),
  exitStatus: (code) =>
    new RegExp(`^The job exited with code ${String(code)}( on all \\d+ ranks)?$`),
  expiredStatus: /^Your job has reached its time limit$/,
  suspension: true,
  terminal: true,
  shortAllocation: { hours: 0, minutes: 0, seconds: 3 },
  expiryWithinMs: 60_000,
});
