import type { Command } from 'commander';
import { completionCommand } from './commands/completion.js';
import { catalogCommands } from './commands/user/catalog.js';
import { followCommands } from './commands/user/follow.js';
import { jobCommands } from './commands/user/jobs.js';
import { runCommand } from './commands/user/run.js';
import { shellCommand } from './commands/user/shell.js';
import { addAdminCommands, programWithConnection, withJson } from './program.js';

/** `ucloud`: the user's commands, and the operator's as `ucloud admin`. */
export function createUserProgram(): Command {
  const program = programWithConnection(
    'ucloud',
    'Run and follow jobs on a UCloud Jobs orchestrator',
  );
  runCommand(program);
  jobCommands(program);
  followCommands(program);
  shellCommand(program);
  catalogCommands(program);
  addAdminCommands(
    program
      .command('admin')
      .description("the operator's commands (as ucloud-admin): allocations, projects, users, …"),
  );
  completionCommand(program);
  program.addHelpText(
    'after',
    '\nExit codes: 0 done; 1 the server refused or could not be reached; 2 a bad command line\n' +
      'or config file. follow, logs and run --follow exit as the job did: its own exit code\n' +
      'where its provider reports one (0 for success), 124 expired, 125 failed to run,\n' +
      '143 terminated; 130 when Ctrl-C stopped the waiting.',
  );
  return withJson(program, ['completion', 'shell']);
}
