import type { JobState, ResourceUpdateAndId } from '@ucloud/contracts';
import { type JobEvent, JobState as PluginJobState } from '@ucloud/provider-proto';

const STATES: Partial<Record<PluginJobState, JobState>> = {
  [PluginJobState.JOB_STATE_IN_QUEUE]: 'IN_QUEUE',
  [PluginJobState.JOB_STATE_RUNNING]: 'RUNNING',
  [PluginJobState.JOB_STATE_CANCELING]: 'CANCELING',
  [PluginJobState.JOB_STATE_SUCCESS]: 'SUCCESS',
  [PluginJobState.JOB_STATE_FAILURE]: 'FAILURE',
  [PluginJobState.JOB_STATE_EXPIRED]: 'EXPIRED',
  [PluginJobState.JOB_STATE_SUSPENDED]: 'SUSPENDED',
};

const NO_CHANGE = {
  state: null,
  outputFolder: null,
  status: null,
  expectedState: null,
  expectedDifferentState: null,
  newTimeAllocation: null,
  allowRestart: null,
  newMounts: null,
  timestamp: null,
} as const;

/** A plugin's JobEvent as the JobsControl update the orchestrator understands. */
export function toResourceUpdate(event: JobEvent): ResourceUpdateAndId {
  const timestamp = Number(event.timestamp);
  return {
    id: event.jobId,
    update: {
      ...NO_CHANGE,
      state: STATES[event.state] ?? null,
      status: event.status || null,
      expectedState: STATES[event.expectedState] ?? null,
      timestamp: timestamp > 0 ? timestamp : null,
    },
    ...(event.providerGeneratedId ? { providerGeneratedId: event.providerGeneratedId } : {}),
  };
}

/** The spec's answer for an active job the provider does not recognise (example-provider-verify). */
export function lostJobUpdate(jobId: string, now = Date.now()): ResourceUpdateAndId {
  return {
    id: jobId,
    update: {
      ...NO_CHANGE,
      state: 'FAILURE',
      status: 'Your job is no longer available',
      timestamp: now,
    },
  };
}
