#!/usr/bin/env node
import { isTRPCClientError } from '@trpc/client';
import type { AppRouter } from '@ucloud/contracts';
import { CommanderError } from 'commander';
import { describeFailure } from './client.js';
import { createProgram } from './program.js';

// Exit codes: 0 done, 1 the server refused or could not be reached, 2 bad command line.
try {
  await createProgram().parseAsync();
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (isTRPCClientError<AppRouter>(e)) {
    console.error(`error: ${describeFailure(e)}`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
