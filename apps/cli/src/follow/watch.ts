import { isFinalState, type JobsFollowResponse, type JobState } from '@ucloud/contracts';
import type { Spinner } from 'nanospinner';
import type { ApiJob as Job, Client } from '../client.js';
import { EXIT, exitCodeOf } from '../exit-status.js';
import { stateLabel } from '../job-format.js';
import { colorsFor, spinnerOn, type Streams } from '../terminal.js';
import { followJob, FollowInterrupted } from './follow-job.js';
import { RankOutput } from './rank-output.js';

export interface WatchOptions {
  /** Each follow message as a JSON line on stdout, nothing else. */
  json: boolean;
  /** Say on stderr how the job's state changes (follow, run --follow); logs prints output only. */
  states: boolean;
  /** Only this rank's output. */
  rank?: number;
}

/**
 * Follows `job` to its end: its output on stdout and stderr (per rank, prefixed when there are
 * several), on a terminal a spinner while it waits in the queue, and last its final state on
 * stderr. Answers the command's exit code (exit-status.ts); Ctrl-C stops waiting, not the job.
 */
export async function watchJob(
  client: Client,
  job: Job,
  options: WatchOptions,
  streams: Streams,
): Promise<number> {
  const colors = colorsFor(streams.stderr);
  const output = new RankOutput(
    streams,
    job.specification.replicas > 1 && options.rank === undefined,
    colorsFor(streams.stdout),
    options.rank,
  );
  const say = (line: string) => {
    if (!options.json) streams.stderr.write(`${line}\n`);
  };
  let spinner = null as Spinner | null;
  const showState = (state: JobState, status: string | null) => {
    if (!options.states || options.json) return;
    spinner?.stop();
    spinner = null;
    if (state === 'IN_QUEUE') spinner = spinnerOn(streams.stderr, `job ${job.id} is in the queue`);
    if (!spinner) say(`job ${job.id}: ${stateLabel(state, colors)}${status ? ` (${status})` : ''}`);
  };
  const onMessage = (message: JobsFollowResponse, id: string | undefined) => {
    if (options.json) {
      streams.stdout.write(`${JSON.stringify({ id, ...message })}\n`);
      return;
    }
    for (const log of message.log) output.write(log);
    for (const update of message.updates)
      if (update.state && !isFinalState(update.state)) showState(update.state, update.status);
  };

  const stop = new AbortController();
  const interrupt = () => {
    stop.abort();
  };
  process.once('SIGINT', interrupt);
  try {
    const final = await followJob(
      client,
      job.id,
      {
        onMessage,
        onRetry: (error, delayMs, attempt) => {
          if (attempt === 1) say(`lost the connection (${error.message}); reconnecting…`);
          else if (attempt % 10 === 0)
            say(`still reconnecting (attempt ${attempt}, next in ${Math.round(delayMs)} ms)`);
        },
        onResumed: () => {
          say(`reconnected: following job ${job.id} again`);
        },
      },
      { signal: stop.signal },
    );
    spinner?.stop();
    output.flush();
    const state = final.state ?? 'SUCCESS';
    say(`job ${job.id} ${stateLabel(state, colors)}${final.status ? `: ${final.status}` : ''}`);
    return exitCodeOf(state, final.status);
  } catch (e) {
    spinner?.stop();
    if (!(e instanceof FollowInterrupted)) throw e;
    output.flush();
    say(`stopped following job ${job.id}; it goes on (ucloud follow ${job.id})`);
    return EXIT.interrupted;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}
