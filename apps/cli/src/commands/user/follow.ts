import type { Command } from 'commander';
import { parseCount } from '../../args.js';
import { connect } from '../../client.js';
import { processStreams } from '../../terminal.js';

export function followCommands(program: Command): void {
  program
    .command('follow')
    .description("a job's state changes and output, live, to its end; exits with its exit status")
    .argument('<job>', 'job id')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const client = connect(command);
      const job = await client.jobs.retrieve.query({ id });
      const { watchJob } = await import('../../follow/watch.js');
      process.exitCode = await watchJob(
        client,
        job,
        { json: options.json === true, states: true },
        processStreams(),
      );
    });

  program
    .command('logs')
    .description("a job's output from its start, live to its end; exits with its exit status")
    .argument('<job>', 'job id')
    .option('--rank <n>', 'only the output of this rank', parseCount)
    .action(async (id: string, options: { json?: boolean; rank?: number }, command: Command) => {
      const client = connect(command);
      const job = await client.jobs.retrieve.query({ id });
      if (options.rank !== undefined && options.rank >= job.specification.replicas)
        command.error(
          `error: --rank: job ${id} has ${job.specification.replicas} rank(s), 0 to ${job.specification.replicas - 1}`,
        );
      const { watchJob } = await import('../../follow/watch.js');
      process.exitCode = await watchJob(
        client,
        job,
        { json: options.json === true, states: false, rank: options.rank },
        processStreams(),
      );
    });
}
