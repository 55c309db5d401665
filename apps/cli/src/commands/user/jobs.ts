import type { JobState } from '@ucloud/contracts';
import type { Command } from 'commander';
import { parseCount } from '../../args.js';
import { connect, type ApiJob as Job } from '../../client.js';
import { formatDuration, parseDuration, type Duration } from '../../duration.js';
import { jobsText, jobText } from '../../job-format.js';
import { emit } from '../../output.js';
import { colorsFor } from '../../terminal.js';

/** The newest `limit` jobs matching the filters, newest first. */
async function browseJobs(
  command: Command,
  filters: { state?: JobState; app?: string; limit: number },
): Promise<Job[]> {
  const client = connect(command);
  const jobs: Job[] = [];
  let next: string | null = null;
  do {
    const page = await client.jobs.browse.query({
      itemsPerPage: Math.min(250, filters.limit - jobs.length),
      next,
      sortBy: 'createdAt',
      sortDirection: 'descending',
      filterState: filters.state ?? null,
      filterApplication: filters.app ?? null,
    });
    jobs.push(...page.items);
    next = page.next;
  } while (next && jobs.length < filters.limit);
  return jobs;
}

/** `terminate`, `suspend` and `unsuspend`: one call for all the jobs named. */
function bulkCommand(
  program: Command,
  name: 'terminate' | 'suspend' | 'unsuspend',
  description: string,
  done: string,
): void {
  program
    .command(name)
    .description(description)
    .argument('<jobs...>', 'job ids')
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const answer = await connect(command).jobs[name].mutate({ items: ids.map((id) => ({ id })) });
      emit(command, answer, () => ids.map((id) => `job ${id} ${done}`).join('\n'));
    });
}

export function jobCommands(program: Command): void {
  program
    .command('ls')
    .description("your jobs (or the project's, with --project), newest first")
    // The server checks the state, naming the valid ones (and not loading their list here keeps
    // the CLI quick to start).
    .option('--state <state>', 'only jobs in this state: IN_QUEUE, RUNNING, SUCCESS, FAILURE, …')
    .option('--app <name>', 'only jobs of this application')
    .option('--limit <n>', 'at most this many jobs', parseCount, 50)
    .action(
      async (options: { state?: JobState; app?: string; limit: number }, command: Command) => {
        const jobs = await browseJobs(command, options);
        emit(command, jobs, (j) => jobsText(j, colorsFor(process.stdout)));
      },
    );

  program
    .command('show')
    .description('a job: its application, product, state, deadline, parameters and timeline')
    .argument('<job>', 'job id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const job = await connect(command).jobs.retrieve.query({
        id,
        includeUpdates: true,
        includeParameters: true,
      });
      emit(command, job, (j) => jobText(j, colorsFor(process.stdout)));
    });

  bulkCommand(program, 'terminate', 'stop jobs (they end SUCCESS, as cancelled)', 'terminated');
  bulkCommand(program, 'suspend', 'pause jobs where their product allows it', 'suspended');
  bulkCommand(program, 'unsuspend', 'resume suspended jobs', 'resumed');

  program
    .command('extend')
    .description("add time to a job's allocation")
    .argument('<job>', 'job id')
    .requiredOption('--time <duration>', 'how much longer: 1h30m, 90m, 45s', parseDuration)
    .action(async (id: string, options: { time: Duration }, command: Command) => {
      const answer = await connect(command).jobs.extend.mutate({
        items: [{ jobId: id, requestedTime: options.time }],
      });
      emit(command, answer, () => `job ${id} extended by ${formatDuration(options.time)}`);
    });
}
