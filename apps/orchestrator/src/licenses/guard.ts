import type { Logger } from 'pino';
import type { JobTransitions } from '../jobs/transitions.js';
import type { ProjectStore } from '../projects/store.js';
import { canUse } from './access.js';
import type { LicenseStore } from './store.js';

export const LOST_PERMISSIONS = 'Lost permissions';

/**
 * Ends jobs whose owner can no longer use a license the job was started with: the license was
 * deactivated, or its creator left the project that holds it.
 */
export class LicenseGuard {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly licenses: LicenseStore,
    private readonly projects: ProjectStore,
    private readonly transitions: Pick<JobTransitions, 'terminateBySystem'>,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(Date.now()), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  check(now: number): number[] {
    const terminated: number[] = [];
    try {
      for (const { job, license } of this.licenses.activeJobsWithLicenses()) {
        const role =
          job.ownerProject === null
            ? null
            : this.projects.roleOf(job.ownerProject, job.ownerUsername);
        const user = { username: job.ownerUsername, project: job.ownerProject, role };
        if (job.terminationReason !== null || canUse(license, user) || terminated.includes(job.id))
          continue;
        if (this.transitions.terminateBySystem(job.id, LOST_PERMISSIONS, now) !== 'already-ended') {
          this.log.info({ jobId: job.id, license: license.id }, 'job lost a license');
          terminated.push(job.id);
        }
      }
    } catch (err) {
      this.log.error({ err }, 'checking license permissions failed; will retry');
    }
    return terminated;
  }
}
