import { Option, type Command } from 'commander';
import type { WalletOwner } from '@ucloud/contracts';
import { parseCount } from '../../args.js';
import { connect, createdId } from '../../client.js';
import { allocationPeriod, formatDate, parseDate } from '../../dates.js';
import { ownerLabel } from '../../format.js';
import { emit } from '../../output.js';

interface Grant {
  category: string;
  provider: string;
  quota: number;
  start?: number;
  end?: number;
}

/** The options every new allocation takes: what it pays for, how much, and when. */
function grantOptions(command: Command): Command {
  return command
    .requiredOption('--category <name>', 'product category the allocation pays for')
    .requiredOption('--provider <id>', "the category's provider")
    .requiredOption(
      '--quota <n>',
      "amount in the API's whole units (millionths where the unit has decimals)",
      parseCount,
    )
    .option('--start <date>', 'ISO date or epoch ms (default: now)', parseDate)
    .option('--end <date>', 'ISO date or epoch ms (default: a year after the start)', parseDate);
}

function allocationOf(grant: Grant, owner: WalletOwner) {
  return {
    owner,
    category: { name: grant.category, provider: grant.provider },
    quota: grant.quota,
    ...allocationPeriod(grant.start, grant.end, Date.now()),
  };
}

function describeAllocation(
  id: number,
  item: ReturnType<typeof allocationOf>,
  source: string,
): string {
  const { category, startDate, endDate } = item;
  return `allocation ${id} ${source} ${ownerLabel(item.owner)}: quota ${item.quota} in ${category.name} of provider ${category.provider}, ${formatDate(startDate)} to ${formatDate(endDate)}`;
}

export function allocationsCommand(program: Command): void {
  const allocations = program
    .command('allocations')
    .description('grant quota and change allocations');

  grantOptions(
    allocations
      .command('grant')
      .description('allocate quota from the root to a user or a project (administrators)')
      .addOption(new Option('--user <name>', 'user receiving the quota').conflicts('project'))
      .addOption(new Option('--project <id>', 'project receiving the quota')),
  ).action(async (options: Grant & { user?: string; project?: string }, command: Command) => {
    const owner: WalletOwner | undefined = options.user
      ? { type: 'user', username: options.user }
      : options.project
        ? { type: 'project', projectId: options.project }
        : undefined;
    if (!owner) command.error('error: say who receives the quota: --user <name> or --project <id>');
    const item = allocationOf(options, owner);
    const answer = await connect(command).accounting.rootAllocate.mutate({ items: [item] });
    emit(command, answer, (a) => describeAllocation(createdId(a), item, 'granted to'));
  });

  grantOptions(
    allocations
      .command('sub-allocate')
      .description("pass part of a project's quota on to one of its sub-projects")
      .requiredOption('--parent-project <id>', 'project whose quota is passed on')
      .requiredOption('--project <id>', 'sub-project receiving the quota'),
  ).action(
    async (options: Grant & { parentProject: string; project: string }, command: Command) => {
      const item = allocationOf(options, { type: 'project', projectId: options.project });
      const answer = await connect(command).accounting.subAllocate.mutate({
        items: [{ ...item, parentProject: options.parentProject }],
      });
      emit(command, answer, (a) =>
        describeAllocation(createdId(a), item, `passed on from ${options.parentProject} to`),
      );
    },
  );

  allocations
    .command('update')
    .description("change an allocation's quota or period")
    .argument('<id>', 'allocation id (wallets list shows them)', parseCount)
    .option('--quota <n>', "new amount in the API's whole units", parseCount)
    .option('--start <date>', 'new start: ISO date or epoch ms', parseDate)
    .option('--end <date>', 'new end: ISO date or epoch ms', parseDate)
    .action(
      async (
        id: number,
        options: { quota?: number; start?: number; end?: number },
        command: Command,
      ) => {
        const changes = [
          options.quota !== undefined && `quota ${options.quota}`,
          options.start !== undefined && `start ${formatDate(options.start)}`,
          options.end !== undefined && `end ${formatDate(options.end)}`,
        ].filter((change) => change !== false);
        if (changes.length === 0)
          command.error('error: nothing to change: give --quota, --start or --end');
        const answer = await connect(command).accounting.updateAllocation.mutate({
          items: [{ id, quota: options.quota, startDate: options.start, endDate: options.end }],
        });
        emit(command, answer, () => `allocation ${id} updated: ${changes.join(', ')}`);
      },
    );
}
