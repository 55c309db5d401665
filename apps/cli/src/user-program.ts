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
  return withJson(program, ['completion', 'shell']);
}
