import { z } from 'zod';
import { startStack, type ComponentName } from './stack.js';

/** `npm start`: the whole system on one machine, with the demo catalog and a demo user. */
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DEMO_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  LOG_LEVEL: z.string().default('info'),
});

const env = Env.safeParse(process.env);
if (!env.success) {
  console.error(
    `invalid configuration: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
  process.exit(2);
}
const config = env.data;
let shuttingDown = false;

const stack = await startStack({
  dataDir: config.DATA_DIR,
  port: config.PORT,
  host: config.HOST,
  demoToken: config.DEMO_TOKEN,
  logLevel: config.LOG_LEVEL,
  onLog: (component, line) => process.stdout.write(`[${component.padEnd(12)}] ${line}\n`),
  onUnexpectedExit: (component: ComponentName, code, signal) => {
    if (shuttingDown) return;
    console.error(`${component} exited unexpectedly (${signal ?? `code ${code}`}); stopping`);
    void shutdown(1);
  },
});

console.log(`
  UCloud Jobs is running at ${stack.url}
  Demo user "user", bearer token: ${stack.userToken}
  Administrator "ucloud-admin", bearer token: ${stack.adminToken}

  Try:  curl -H "Authorization: Bearer ${stack.userToken}" "${stack.url}/api/hpc/apps?itemsPerPage=50&page=0"
  Data: ${config.DATA_DIR}    Stop: Ctrl-C
`);

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  await stack.stop();
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
