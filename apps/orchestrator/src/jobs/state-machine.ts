import { isFinalState, type JobState, type JobUpdate } from '@ucloud/contracts';

/**
 * The one place that decides whether a JobUpdate applies to a job. Updates are compare-and-set
 * (`expectedState`, `expectedDifferentState`), final states take no change, and a job only
 * EXPIREs when it had a time allocation to run out of.
 */

/** Which states a job may move to from each state (staying put is always allowed for non-final states). */
const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  IN_QUEUE: ['RUNNING', 'CANCELING', 'SUSPENDED', 'SUCCESS', 'FAILURE', 'EXPIRED'],
  RUNNING: ['IN_QUEUE', 'CANCELING', 'SUSPENDED', 'SUCCESS', 'FAILURE', 'EXPIRED'],
  SUSPENDED: ['IN_QUEUE', 'RUNNING', 'CANCELING', 'SUCCESS', 'FAILURE', 'EXPIRED'],
  CANCELING: ['SUCCESS', 'FAILURE', 'EXPIRED'],
  SUCCESS: [],
  FAILURE: [],
  EXPIRED: [],
};

export interface JobFacts {
  state: JobState;
  hasTimeAllocation: boolean;
}

export type UpdateDecision =
  { apply: true; nextState: JobState } | { apply: false; reason: string };

export function canTransition(from: JobState, to: JobState): boolean {
  if (from === to) return !isFinalState(from);
  return TRANSITIONS[from].includes(to);
}

export function decideUpdate(
  job: JobFacts,
  update: Pick<JobUpdate, 'state' | 'expectedState' | 'expectedDifferentState'>,
): UpdateDecision {
  const current = job.state;
  if (isFinalState(current)) {
    return { apply: false, reason: `the job has already ended (${current})` };
  }
  if (update.expectedState !== null && update.expectedState !== current) {
    return {
      apply: false,
      reason: `expected state ${update.expectedState} but the job is ${current}`,
    };
  }
  const target = update.state ?? current;
  if (update.expectedDifferentState === true && update.state !== null && update.state === current) {
    return { apply: false, reason: `the job is already ${current}` };
  }
  if (target === 'EXPIRED' && !job.hasTimeAllocation) {
    return { apply: false, reason: 'a job without a time allocation cannot expire' };
  }
  if (!canTransition(current, target)) {
    return { apply: false, reason: `a job cannot go from ${current} to ${target}` };
  }
  return { apply: true, nextState: target };
}
