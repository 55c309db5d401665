import { ConfigError, parseEnv } from '@ucloud/contracts';
import { logFormat } from '@ucloud/contracts/logger';
import { z } from 'zod';
import { startStack, type Stack } from './stack.js';

/** `npm start`: the whole system on one machine, with the demo catalog and a demo user. */
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DEMO_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  LOG_LEVEL: z.string().default('info'),
});

const config = readConfig();

function readConfig(): z.output<typeof Env> {
  try {
    return parseEnv(Env, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

// Installed before anything starts: a signal during start-up stops what has been started.
const starting = new AbortController();
let stack: Stack | undefined;
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  if (stack) void stack.stop().then(() => process.exit(0));
  else starting.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Under `npm start` we run below npm's shell, which dies on the SIGTERM npm passes on without
// passing it to us: losing that parent (we are re-parented) is our signal to stop.
if (process.env.npm_lifecycle_event === 'start') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 500).unref();
}

const line = (component: string, text: string) =>
  process.stdout.write(`[${component.padEnd(12)}] ${text}\n`);
try {
  stack = await startStack({
    dataDir: config.DATA_DIR,
    port: config.PORT,
    host: config.HOST,
    demoToken: config.DEMO_TOKEN,
    logLevel: config.LOG_LEVEL,
    logFormat: logFormat(),
    supervise: true,
    signal: starting.signal,
    onLog: line,
    onNotice: (component, message) => line('launcher', `${component} ${message}`),
  });
} catch (err) {
  // Stopped by a signal during start-up (stop() aborts `starting` while there is no stack yet).
  if (starting.signal.aborted) process.exit(0);
  console.error(`could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

console.log(`
  UCloud Jobs is running at ${stack.url}
  Demo user "user", bearer token: ${stack.userToken}
  Administrator "ucloud-admin", bearer token: ${stack.adminToken}
  (both kept in ${stack.tokensFile}, readable by you only: they work after a restart too)

  Try:  curl -H "Authorization: Bearer ${stack.userToken}" "${stack.url}/api/hpc/apps?itemsPerPage=50&page=0"
  Data: ${config.DATA_DIR}    Stop: Ctrl-C
`);
