import type { Command } from 'commander';
import { allPages, connect, type Client } from '../../client.js';
import { walletsText } from '../../format.js';
import { appsText, productsText } from '../../job-format.js';
import { emit } from '../../output.js';

/** Every application of the catalog, in pages as the API numbers them. */
export async function allApplications(client: Client) {
  const items = [];
  for (let page = 0; ; page++) {
    const answer = await client.catalog.listApplications.query({ itemsPerPage: 250, page });
    items.push(...answer.items);
    if (answer.items.length === 0 || items.length >= answer.itemsInTotal) return items;
  }
}

/** The products the caller may run jobs on, with what each supports. */
export async function availableProducts(client: Client) {
  const { productsByProvider } = await client.jobs.retrieveProducts.query();
  return Object.values(productsByProvider).flat();
}

export function catalogCommands(program: Command): void {
  program
    .command('apps')
    .description('the applications you can run')
    .action(async (_options: unknown, command: Command) => {
      emit(command, await allApplications(connect(command)), appsText);
    });

  program
    .command('products')
    .description('the machines you can run them on, with what each supports')
    .action(async (_options: unknown, command: Command) => {
      emit(command, await availableProducts(connect(command)), productsText);
    });

  program
    .command('wallets')
    .description('your wallets: quota and usage per product category')
    .action(async (_options: unknown, command: Command) => {
      const client = connect(command);
      const wallets = await allPages((next) =>
        client.accounting.browseWallets.query({ itemsPerPage: 250, next }),
      );
      emit(command, wallets, (w) => walletsText(w, Date.now()));
    });
}
