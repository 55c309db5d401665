import { DOCKER_PRODUCT, dockerEngine, useDockerStack } from '../docker-harness.js';
import { backendSuite, rankedBatchOn } from './suite.js';

const engine = await dockerEngine();

backendSuite({
  name: 'docker',
  plugin: 'docker',
  unavailable: engine.ok ? null : engine.reason,
  useStack: () => useDockerStack(engine),
  product: DOCKER_PRODUCT,
  // busybox-batch in the busybox image.
  ...rankedBatchOn('busybox-batch', DOCKER_PRODUCT),
  suspension: true,
  shortAllocation: { hours: 0, minutes: 0, seconds: 3 },
  expiryWithinMs: 60_000,
});
