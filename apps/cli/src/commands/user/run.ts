import type { Command } from 'commander';
import { parseCount } from '../../args.js';
import { connect, createdId, type Client } from '../../client.js';
import { parseDuration, type Duration } from '../../duration.js';
import { emit } from '../../output.js';
import {
  collectParam,
  newestVersion,
  parametersOf,
  parseAppRef,
  parseProductRef,
  pickProduct,
  RunRequestError,
} from '../../run-request.js';
import { processStreams } from '../../terminal.js';
import { allApplications, availableProducts } from './catalog.js';

interface RunOptions {
  product: { id: string; provider?: string };
  param?: Array<[string, string]>;
  replicas?: number;
  time?: Duration;
  name?: string;
  allowDuplicate?: boolean;
  follow?: boolean;
  json?: boolean;
}

/** The version `APP` without one means: the newest the catalog has. */
async function resolveVersion(client: Client, app: { name: string; version?: string }) {
  if (app.version) return app.version;
  const versions = (await allApplications(client))
    .filter((a) => a.metadata.name === app.name)
    .map((a) => a.metadata.version);
  const newest = newestVersion(versions);
  if (!newest)
    throw new RunRequestError(`no application named ${app.name} (ucloud apps lists them)`);
  return newest;
}

export function runCommand(program: Command): void {
  program
    .command('run')
    .description('start a job: an application on a product, with its parameters')
    .argument('<app>', 'APP or APP@VERSION (the newest version when none is given)', parseAppRef)
    .requiredOption(
      '--product <product>',
      'PRODUCT or PRODUCT@PROVIDER (ucloud products)',
      parseProductRef,
    )
    .option('--param <name=value>', 'an application parameter; repeat for each', collectParam)
    .option('--replicas <n>', 'how many ranks (nodes) to run', parseCount)
    .option(
      '--time <duration>',
      "time allocation: 1h30m, 90m, 45s (default: the application's)",
      parseDuration,
    )
    .option('--name <name>', 'a name for the job')
    .option('--allow-duplicate', 'start it even if an identical job is running')
    .option('-f, --follow', 'follow it to its end and exit with its exit status')
    .action(
      async (app: { name: string; version?: string }, options: RunOptions, command: Command) => {
        const client = connect(command);
        const version = await resolveVersion(client, app);
        const [application, products] = await Promise.all([
          client.catalog.findApplication.query({ name: app.name, version }),
          availableProducts(client),
        ]);
        const parameters = parametersOf(
          application.invocation.parameters,
          options.param ?? [],
          `${app.name}@${version}`,
        );
        const answer = await client.jobs.create.mutate({
          items: [
            {
              application: { name: app.name, version },
              product: pickProduct(products, options.product),
              parameters,
              replicas: options.replicas ?? null,
              timeAllocation: options.time ?? null,
              name: options.name ?? null,
              allowDuplicateJob: options.allowDuplicate ?? null,
            },
          ],
        });
        const id = createdId(answer);
        if (!options.follow) {
          emit(command, answer, () => `job ${id} submitted (ucloud follow ${id})`);
          return;
        }
        if (!options.json) process.stderr.write(`job ${id} submitted\n`);
        const job = await client.jobs.retrieve.query({ id });
        const { watchJob } = await import('../../follow/watch.js');
        process.exitCode = await watchJob(
          client,
          job,
          { json: options.json === true, states: true },
          processStreams(),
        );
      },
    );
}
