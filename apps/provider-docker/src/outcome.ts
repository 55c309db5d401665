import { type JobStateName } from '@ucloud/provider-sdk';
import { type StopReason } from '@ucloud/provider-sdk';

export const STATUS = {
  running: 'Your job is now running!',
  suspended: 'The job has been suspended',
  cancelled: 'Your job has been cancelled!',
  expired: 'Your job has reached its time limit',
} as const;

/** How one rank's container ended, as the engine's inspect tells it; null when it is gone. */
export interface RankExit {
  exitCode: number;
  oomKilled: boolean;
  /** Epoch ms; null when the engine gives no usable time. */
  finishedAt: number | null;
}

export interface Outcome {
  state: JobStateName;
  status: string;
}

/**
 * How a job whose containers have all stopped is reported. The user's exit code never makes a
 * job fail; a container removed outside the plugin, whose end is unknown, does.
 */
export function outcomeOf(stopReason: StopReason | null, exits: Array<RankExit | null>): Outcome {
  if (stopReason === 'EXPIRED') return { state: 'EXPIRED', status: STATUS.expired };
  if (stopReason === 'CANCELLED') return { state: 'SUCCESS', status: STATUS.cancelled };
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

/** "The job exited with code 0", per rank when the ranks disagree, saying when memory ran out. */
export function exitStatus(exits: RankExit[]): string {
  const describe = (e: RankExit) =>
    e.oomKilled ? `${e.exitCode} (killed: it ran out of memory)` : describeCode(e.exitCode);
  const first = exits[0];
  if (first === undefined) return 'The job exited';
  if (exits.every((e) => describe(e) === describe(first))) {
    const ranks = exits.length > 1 ? ` on all ${exits.length} ranks` : '';
    return `The job exited with code ${describe(first)}${ranks}`;
  }
  const perRank = exits.map((e, rank) => `${describe(e)} on rank ${rank}`).join(', ');
  return `The job exited with code ${perRank}`;
}

/** Death by signal N is reported as 128 + N. */
function describeCode(code: number): string {
  return code > 128 && code < 160 ? `${code} (signal ${code - 128})` : String(code);
}

/** The engine's FinishedAt ("0001-01-01T00:00:00Z" when it never ran) as epoch ms, or null. */
export function finishedAtOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}
