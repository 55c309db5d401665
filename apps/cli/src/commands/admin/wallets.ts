import type { Command } from 'commander';
import { allPages, connect } from '../../client.js';
import { walletsText } from '../../format.js';
import { emit } from '../../output.js';

export function walletsCommand(program: Command): void {
  const wallets = program.command('wallets').description("the caller's wallets");
  wallets
    .command('list')
    .description('wallets of the workspace (personal, or --project before the command)')
    .action(async (_options: unknown, command: Command) => {
      const client = connect(command);
      const items = await allPages((next) =>
        client.accounting.browseWallets.query({ itemsPerPage: 250, next }),
      );
      emit(command, items, (w) => walletsText(w, Date.now()));
    });
}
