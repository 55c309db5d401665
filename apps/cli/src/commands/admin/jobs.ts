import type { Command } from 'commander';
import { connect } from '../../client.js';
import { jobUsageText } from '../../format.js';
import { emit } from '../../output.js';

export function jobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('what jobs cost');
  jobs
    .command('usage')
    .description('what a job has been charged, period by period')
    .argument('<jobId>', 'job id')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const usage = await connect(command).accounting.retrieveJobUsage.query({ jobId });
      emit(command, usage, jobUsageText);
    });
}
