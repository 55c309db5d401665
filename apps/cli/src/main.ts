import { isTRPCClientError } from '@trpc/client';
import type { AppRouter } from '@ucloud/contracts';
import { CommanderError, type Command } from 'commander';
import { describeFailure } from './client.js';
import { answerCompletion } from './commands/completion.js';
import { EXIT } from './exit-status.js';
import { RunRequestError } from './run-request.js';

/**
 * Runs a CLI's program. Exit codes (README "Exit codes"): 0 done, 1 the server refused or could
 * not be reached, 2 a bad command line or config file; the commands that wait for a job set the
 * job's own (exit-status.ts).
 */
export async function main(program: Command): Promise<void> {
  answerCompletion(program);
  try {
    await program.parseAsync();
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else if (e instanceof RunRequestError) {
      console.error(`error: ${e.message}`);
      process.exitCode = EXIT.usage;
    } else if (isTRPCClientError<AppRouter>(e)) {
      console.error(`error: ${describeFailure(e)}`);
      process.exitCode = EXIT.refused;
    } else {
      throw e;
    }
  }
}
