import { DEFAULT_BACKOFF, type BackoffOptions } from '@ucloud/contracts';

/** The orchestrator's timings and limits, with production defaults; tests shorten them. */
export interface OrchestratorTuning {
  /** Waits between retries of a provider call in the outbox. */
  outboxBackoff: BackoffOptions;
  /** Attempts after which a start the gateway keeps failing on itself (500) fails its job. */
  giveUpStartAfter: number;
  /** Waits between reconnections of a follower's live output stream. */
  logStreamBackoff: BackoffOptions;
  /** Tries to fetch the rest of a job's output before its end is shown to a follower. */
  logDrainAttempts: number;
  /** How long a provider's declared support is trusted before it is asked again. */
  supportTtlMs: number;
  /** After a failed fetch of declared support, how long cached (or no) declarations are used. */
  supportRetryAfterFailureMs: number;
  /** Deadline of a call to a gateway. */
  gatewayCallTimeoutMs: number;
  /** How long the ticket of a new interactive session may be redeemed. */
  sessionTicketTtlMs: number;
}

export const DEFAULT_TUNING: OrchestratorTuning = {
  outboxBackoff: { initialMs: 500, maxMs: 30_000 },
  giveUpStartAfter: 10,
  logStreamBackoff: { ...DEFAULT_BACKOFF, maxMs: 5_000 },
  logDrainAttempts: 5,
  supportTtlMs: 30_000,
  supportRetryAfterFailureMs: 5_000,
  gatewayCallTimeoutMs: 30_000,
  sessionTicketTtlMs: 5 * 60_000,
};
