import type { UserActor } from '@ucloud/contracts';

/**
 * Administrators and operators read every wallet, job, project and job usage, whoever owns them;
 * only administrators change what is not theirs (operators change nothing: router.ts refuses).
 */
export const readsEverything = (actor: Pick<UserActor, 'admin' | 'operator'>) =>
  actor.admin || actor.operator;
