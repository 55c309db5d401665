import { Command, Option } from 'commander';
import { allocationsCommand } from './commands/allocations.js';
import { jobsCommand } from './commands/jobs.js';
import { projectsCommand } from './commands/projects.js';
import { tokensCommand } from './commands/tokens.js';
import { usersCommand } from './commands/users.js';
import { walletsCommand } from './commands/wallets.js';

/** The whole command tree; it throws CommanderError instead of exiting, so main picks the code. */
export function createProgram(): Command {
  const program = new Command('ucloud-admin')
    .description(
      'Operate a UCloud Jobs orchestrator: allocations, wallets, projects, job usage, users, tokens',
    )
    .exitOverride()
    // Connection options come before the command, which keeps `--project` free for the
    // commands that name a project receiving quota.
    .enablePositionalOptions()
    .addOption(
      new Option('--url <url>', 'orchestrator URL')
        .env('UCLOUD_URL')
        .default('http://127.0.0.1:8080'),
    )
    .addOption(new Option('--token <token>', 'bearer token of the caller').env('UCLOUD_TOKEN'))
    .addOption(
      new Option('--project <id>', 'act in this project (the Project header)').env(
        'UCLOUD_PROJECT',
      ),
    )
    .addHelpText(
      'after',
      '\nConnection options go before the command: ucloud-admin --token <token> wallets list',
    );
  allocationsCommand(program);
  walletsCommand(program);
  projectsCommand(program);
  jobsCommand(program);
  usersCommand(program);
  tokensCommand(program);
  for (const command of leaves(program)) command.option('--json', 'print the raw answer as JSON');
  return program;
}

function leaves(command: Command): Command[] {
  return command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
}
