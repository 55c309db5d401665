import { FINAL_STATES, InteractiveSessionType, JobState } from '@ucloud/contracts';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { expect, it } from 'vitest';
import { ACTIVE, JOB_STATES, SESSION_TYPES } from './schema.js';

it('stores every job state of the spec and no other', () => {
  expect([...JOB_STATES].sort()).toEqual([...JobState.options].sort());
});

it('stores every interactive session type of the spec and no other', () => {
  expect([...SESSION_TYPES].sort()).toEqual([...InteractiveSessionType.options].sort());
});

it('counts as active every state but the final ones', () => {
  const { sql } = new SQLiteSyncDialect().sqlToQuery(ACTIVE);
  const listed = [...sql.matchAll(/'(\w+)'/g)].map((m) => m[1]);
  expect(listed.sort()).toEqual([...FINAL_STATES].sort());
});
