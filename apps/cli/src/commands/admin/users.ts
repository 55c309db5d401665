import { Option, type Command } from 'commander';
import type { UserRole } from '@ucloud/contracts';
import { connect } from '../../client.js';
import { usersText } from '../../format.js';
import { emit } from '../../output.js';

export function usersCommand(program: Command): void {
  const users = program.command('users').description('users and their site-wide roles');

  users
    .command('create')
    .description('create a user (administrators); then issue them a token with tokens issue')
    .argument('<user>', 'username')
    .addOption(
      new Option('--role <role...>', 'site-wide roles').choices(['ADMINISTRATOR', 'OPERATOR']),
    )
    .action(async (username: string, options: { role?: UserRole[] }, command: Command) => {
      const roles = options.role ?? [];
      const answer = await connect(command).users.create.mutate({ items: [{ username, roles }] });
      const as = roles.length > 0 ? ` (${roles.join(', ')})` : '';
      emit(command, answer, () => `user ${username} created${as}`);
    });

  users
    .command('list')
    .description('every user (administrators and operators)')
    .action(async (_options: unknown, command: Command) => {
      const answer = await connect(command).users.browse.query();
      emit(command, answer.items, usersText);
    });

  users
    .command('disable')
    .description('refuse every token of a user from now on (administrators)')
    .argument('<user>', 'username')
    .action(async (username: string, _options: unknown, command: Command) => {
      const answer = await connect(command).users.disable.mutate({ items: [{ username }] });
      emit(command, answer, () => `user ${username} disabled`);
    });
}
