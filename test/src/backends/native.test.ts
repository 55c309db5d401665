import { EXAMPLE_PRODUCT, useStack } from '../harness.js';
import { acmeBatchOn, backendSuite } from './suite.js';

backendSuite({
  name: 'native',
  plugin: 'native',
  unavailable: null,
  useStack: () => useStack(),
  product: EXAMPLE_PRODUCT,
  ...acmeBatchOn(EXAMPLE_PRODUCT),
  exitStatus: (code) => new RegExp(`^The job exited with code ${code}( on all \\d+ ranks)?$`),
  expiredStatus: /^Your job has reached its time limit$/,
  suspension: true,
  shortAllocation: { hours: 0, minutes: 0, seconds: 3 },
  expiryWithinMs: 30_000,
});
