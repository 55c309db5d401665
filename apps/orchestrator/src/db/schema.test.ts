import { JobState } from '@ucloud/contracts';
import { expect, it } from 'vitest';
import { JOB_STATES } from './schema.js';

it('stores every job state of the spec and no other', () => {
  expect([...JOB_STATES].sort()).toEqual([...JobState.options].sort());
});
