import type { SupportFeature } from '@ucloud/contracts';
import { isFinal, supports, type Job } from '../api';

/** What the caller may do with the job: EDIT (or more), and what its product declares. */
export function capabilitiesOf(job: Job) {
  const mine = job.permissions?.myself ?? [];
  const canEdit = mine.includes('EDIT') || mine.includes('ADMIN');
  const support = job.status.resolvedSupport?.support;
  const backend = job.status.resolvedApplication?.invocation.tool.tool?.description.backend;
  const declares = (feature: SupportFeature) =>
    support !== undefined && backend !== undefined && supports(support, backend, feature);
  const state = job.status.state;
  const running = state === 'RUNNING';
  const appType = job.status.resolvedApplication?.invocation.applicationType;
  return {
    canEdit,
    isOwner: mine.includes('ADMIN'),
    terminate: canEdit && !isFinal(state),
    extend: canEdit && declares('timeExtension') && !isFinal(state),
    suspend: canEdit && declares('suspension') && running,
    unsuspend: canEdit && declares('suspension') && state === 'SUSPENDED',
    web: canEdit && running && appType === 'WEB' && declares('web'),
    terminal: canEdit && running && declares('terminal'),
    desktop:
      canEdit && running && declares('vnc') && (appType === 'VNC' || backend === 'VIRTUAL_MACHINE'),
  };
}

export type Capabilities = ReturnType<typeof capabilitiesOf>;
