import { JobState, type JobUpdate } from '@ucloud/contracts';
import { describe, expect, it } from 'vitest';
import { canTransition, decideUpdate } from './state-machine.js';

const ALL = JobState.options;
const FINAL = ['SUCCESS', 'FAILURE', 'EXPIRED'] as const;

const update = (u: Partial<JobUpdate>) => ({
  state: null,
  expectedState: null,
  expectedDifferentState: null,
  ...u,
});

// Every (from, to) pair, with the expected verdict spelled out rather than derived from the table.
const ALLOWED: Record<string, string[]> = {
  IN_QUEUE: ['IN_QUEUE', 'RUNNING', 'CANCELING', 'SUSPENDED', 'SUCCESS', 'FAILURE', 'EXPIRED'],
  RUNNING: ['IN_QUEUE', 'RUNNING', 'CANCELING', 'SUSPENDED', 'SUCCESS', 'FAILURE', 'EXPIRED'],
  SUSPENDED: ['IN_QUEUE', 'RUNNING', 'SUSPENDED', 'CANCELING', 'SUCCESS', 'FAILURE', 'EXPIRED'],
  CANCELING: ['CANCELING', 'SUCCESS', 'FAILURE', 'EXPIRED'],
  SUCCESS: [],
  FAILURE: [],
  EXPIRED: [],
};

describe('job state machine', () => {
  for (const from of ALL) {
    for (const to of ALL) {
      const allowed = ALLOWED[from]!.includes(to);
      it(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(from, to)).toBe(allowed);
        const decision = decideUpdate(
          { state: from, hasTimeAllocation: true },
          update({ state: to }),
        );
        expect(decision.apply).toBe(allowed);
        if (decision.apply) expect(decision.nextState).toBe(to);
      });
    }
  }

  it('applies a status-only update without changing state', () => {
    expect(decideUpdate({ state: 'RUNNING', hasTimeAllocation: false }, update({}))).toEqual({
      apply: true,
      nextState: 'RUNNING',
    });
  });

  it.each(FINAL)('refuses even a status-only update once %s', (state) => {
    const decision = decideUpdate({ state, hasTimeAllocation: true }, update({}));
    expect(decision).toMatchObject({
      apply: false,
      reason: expect.stringContaining('already ended'),
    });
  });

  it('honours expectedState', () => {
    expect(
      decideUpdate(
        { state: 'RUNNING', hasTimeAllocation: false },
        update({ state: 'SUCCESS', expectedState: 'IN_QUEUE' }),
      ).apply,
    ).toBe(false);
    expect(
      decideUpdate(
        { state: 'IN_QUEUE', hasTimeAllocation: false },
        update({ state: 'RUNNING', expectedState: 'IN_QUEUE' }),
      ).apply,
    ).toBe(true);
  });

  it('honours expectedDifferentState', () => {
    expect(
      decideUpdate(
        { state: 'RUNNING', hasTimeAllocation: false },
        update({ state: 'RUNNING', expectedDifferentState: true }),
      ).apply,
    ).toBe(false);
    expect(
      decideUpdate(
        { state: 'IN_QUEUE', hasTimeAllocation: false },
        update({ state: 'RUNNING', expectedDifferentState: true }),
      ).apply,
    ).toBe(true);
  });

  it('only lets a job with a time allocation expire', () => {
    expect(
      decideUpdate({ state: 'RUNNING', hasTimeAllocation: false }, update({ state: 'EXPIRED' }))
        .apply,
    ).toBe(false);
    expect(
      decideUpdate({ state: 'RUNNING', hasTimeAllocation: true }, update({ state: 'EXPIRED' }))
        .apply,
    ).toBe(true);
  });
});
