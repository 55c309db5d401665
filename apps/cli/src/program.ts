import { Command, Option } from 'commander';
import { allocationsCommand } from './commands/admin/allocations.js';
import { jobsCommand } from './commands/admin/jobs.js';
import { projectsCommand } from './commands/admin/projects.js';
import { tokensCommand } from './commands/admin/tokens.js';
import { usersCommand } from './commands/admin/users.js';
import { walletsCommand } from './commands/admin/wallets.js';
import { completionCommand } from './commands/completion.js';
import { DEFAULT_URL } from './config.js';

/**
 * A program with the connection options, which both CLIs take before the command; it throws
 * CommanderError instead of exiting, so that main picks the exit code.
 */
export function programWithConnection(name: string, description: string): Command {
  return (
    new Command(name)
      .description(description)
      .exitOverride()
      // Connection options come before the command, which keeps `--project` free for the
      // commands that name a project receiving quota.
      .enablePositionalOptions()
      .addOption(
        new Option('--url <url>', `orchestrator URL (default: ${DEFAULT_URL})`).env('UCLOUD_URL'),
      )
      .addOption(new Option('--token <token>', 'bearer token of the caller').env('UCLOUD_TOKEN'))
      .addOption(
        new Option('--project <id>', 'act in this project (the Project header)').env(
          'UCLOUD_PROJECT',
        ),
      )
      .addOption(
        new Option(
          '--config <file>',
          'config file with url, token and project (default: ~/.config/ucloud/config.json)',
        ).env('UCLOUD_CONFIG'),
      )
      .addHelpText(
        'after',
        `\nConnection options go before the command: ${name} --token <token> …\n` +
          'Each is taken from the flag, else the environment (UCLOUD_URL, UCLOUD_TOKEN,\n' +
          'UCLOUD_PROJECT), else the config file.',
      )
  );
}

/** The operator's commands, on `parent`: the ucloud-admin program, or `ucloud admin`. */
export function addAdminCommands(parent: Command): void {
  allocationsCommand(parent);
  walletsCommand(parent);
  projectsCommand(parent);
  jobsCommand(parent);
  usersCommand(parent);
  tokensCommand(parent);
}

/** `--json` on every command that prints an answer. */
export function withJson(program: Command, except: string[] = []): Command {
  for (const command of leaves(program))
    if (!except.includes(command.name())) command.option('--json', 'print the answer as JSON');
  return program;
}

function leaves(command: Command): Command[] {
  return command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
}

export function createAdminProgram(): Command {
  const program = programWithConnection(
    'ucloud-admin',
    'Operate a UCloud Jobs orchestrator: allocations, wallets, projects, job usage, users, tokens',
  );
  addAdminCommands(program);
  completionCommand(program);
  return withJson(program, ['completion']);
}
