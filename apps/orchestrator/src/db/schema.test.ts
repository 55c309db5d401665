import { InteractiveSessionType, JobState } from '@ucloud/contracts';
import { expect, it } from 'vitest';
import { JOB_STATES, SESSION_TYPES } from './schema.js';

it('stores every job state of the spec and no other', () => {
  expect([...JOB_STATES].sort()).toEqual([...JobState.options].sort());
});

it('stores every interactive session type of the spec and no other', () => {
  expect([...SESSION_TYPES].sort()).toEqual([...InteractiveSessionType.options].sort());
});
