import type { JobState } from './jobs.js';

/** States a job never leaves. */
export const FINAL_STATES: readonly JobState[] = ['SUCCESS', 'FAILURE', 'EXPIRED'];

export const isFinalState = (state: JobState): boolean => FINAL_STATES.includes(state);
