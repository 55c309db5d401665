import type { JobState, SessionToClose } from '@ucloud/contracts';
import type { Logger } from 'pino';
import type { JobsControl } from './orchestrator-client.js';

/** A session a user is connected to through this gateway. */
export interface LiveSession {
  id: string;
  jobId: string;
  /** Ends the user's connection, saying why. */
  close(reason: string): void;
}

/** Most session ids in one check. */
const CHECK_BATCH = 500;

/** States in which a job's sessions close at once (the orchestrator's check would close them too). */
const CLOSING: Partial<Record<JobState, string>> = {
  SUCCESS: 'The job has ended',
  FAILURE: 'The job has ended',
  EXPIRED: 'The job has ended',
  SUSPENDED: 'The job has been suspended',
};

/**
 * The sessions users are connected to, kept to the orchestrator's rules: every `checkEveryMs` the
 * orchestrator is asked which must close (the job no longer runs, the user lost EDIT), and a job
 * whose end or suspension passes through this gateway closes its sessions at once. Every close is
 * reported back, so the orchestrator's list of sessions stays true.
 */
export class LiveSessions {
  private readonly sessions = new Map<string, LiveSession>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly control: Pick<JobsControl, 'checkSessions' | 'closedSessions'>,
    private readonly logger: Logger,
    private readonly checkEveryMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.checkEveryMs);
  }

  /** Closes every session (the gateway is stopping). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const session of [...this.sessions.values()])
      this.close(session.id, 'The provider is restarting; open the session again');
  }

  add(session: LiveSession): void {
    this.sessions.set(session.id, session);
  }

  /** The user's side or the job's side ended the session by itself. */
  ended(id: string, reason: string): void {
    if (this.sessions.delete(id)) this.report([{ id, reason }]);
  }

  /** A job changed state (an update on its way to the orchestrator). */
  jobChanged(jobId: string, state: JobState): void {
    const reason = CLOSING[state];
    if (!reason) return;
    for (const session of [...this.sessions.values()])
      if (session.jobId === jobId) this.close(session.id, reason);
  }

  get size(): number {
    return this.sessions.size;
  }

  private async check(): Promise<void> {
    if (this.checking || this.sessions.size === 0) return;
    this.checking = true;
    try {
      const ids = [...this.sessions.keys()];
      // Batches keep each check's URL (a tRPC query) well under the server's header limit.
      for (let i = 0; i < ids.length; i += CHECK_BATCH) {
        const toClose = await this.control.checkSessions(ids.slice(i, i + CHECK_BATCH));
        for (const { id, reason } of toClose) this.close(id, reason);
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not check the open sessions; trying again');
    } finally {
      this.checking = false;
    }
  }

  private close(id: string, reason: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    session.close(reason);
    this.report([{ id, reason }]);
  }

  private report(items: SessionToClose[]): void {
    this.control
      .closedSessions(items)
      .catch((err: unknown) => this.logger.warn({ err }, 'could not report closed sessions'));
  }
}
