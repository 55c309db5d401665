import {
  exitStatus,
  stoppedOutcome,
  type Outcome,
  type RankExit,
  type StopReason,
} from '@ucloud/provider-sdk';

/** How one rank's container ended, as the engine's inspect tells it. */
export interface ContainerExit extends RankExit {
  oomKilled: boolean;
  /** Epoch ms; null when the engine gives no usable time. */
  finishedAt: number | null;
}

/**
 * How a job whose containers have all stopped is reported (null: a container that is gone). The
 * user's exit code never makes a job fail; a container removed outside the plugin, whose end is
 * unknown, does.
 */
export function outcomeOf(
  stopReason: StopReason | null,
  exits: Array<ContainerExit | null>,
): Outcome {
  const stopped = stoppedOutcome(stopReason);
  if (stopped) return stopped;
  const missing = exits.flatMap((e, rank) => (e === null ? [rank] : []));
  if (missing.length > 0) {
    const which = `${missing.length === 1 ? 'rank' : 'ranks'} ${missing.join(', ')}`;
    return {
      state: 'FAILURE',
      status: `The container of ${which} was removed outside UCloud before the job ended`,
    };
  }
  return { state: 'SUCCESS', status: exitStatus(exits.filter((e) => e !== null)) };
}

/** The engine's FinishedAt ("0001-01-01T00:00:00Z" when it never ran) as epoch ms, or null. */
export function finishedAtOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}
