import type { Command } from 'commander';
import { connect } from '../../client.js';
import { formatDate, parseDate } from '../../dates.js';
import { tokensText } from '../../format.js';
import { emit } from '../../output.js';

export function tokensCommand(program: Command): void {
  const tokens = program
    .command('tokens')
    .description("API tokens: the caller's own, or any user's for administrators");

  tokens
    .command('issue')
    .description('issue a token; it is shown once, here')
    .argument('<name>', 'what the token is for')
    .option('--user <user>', 'whose token (default: the caller)')
    .option('--expires <date>', 'when it stops working (default: never)', parseDate)
    .action(
      async (name: string, options: { user?: string; expires?: number }, command: Command) => {
        const answer = await connect(command).tokens.issue.mutate({
          items: [{ name, username: options.user ?? null, expiresAt: options.expires ?? null }],
        });
        emit(command, answer, ({ responses: [t] }) =>
          t
            ? [
                `token ${t.id} issued to ${t.username}` +
                  (t.expiresAt === null ? '' : `, expires ${formatDate(t.expiresAt)}`),
                `bearer token (shown only now): ${t.token}`,
              ].join('\n')
            : 'no token issued',
        );
      },
    );

  tokens
    .command('list')
    .description('tokens, without their secrets')
    .option('--user <user>', 'whose tokens (default: the caller)')
    .action(async (options: { user?: string }, command: Command) => {
      const answer = await connect(command).tokens.browse.query({
        username: options.user ?? null,
      });
      emit(command, answer.items, (items) => tokensText(items, Date.now()));
    });

  tokens
    .command('revoke')
    .description('refuse a token from now on')
    .argument('<id>', 'token id, from tokens list')
    .action(async (id: string, _options: unknown, command: Command) => {
      const answer = await connect(command).tokens.revoke.mutate({ items: [{ id }] });
      emit(command, answer, () => `token ${id} revoked`);
    });
}
