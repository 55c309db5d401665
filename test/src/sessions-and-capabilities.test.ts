import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_CATALOG_FILE } from '@ucloud/orchestrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acmeBatch,
  EXAMPLE_PRODUCT,
  errorOf,
  startTestStack,
  waitForJob,
  webApp,
  type Client,
  type TestStack,
} from './harness.js';

/** A second product whose site allows none of the optional features. */
const BASIC = { id: 'example-basic', category: 'example-basic', provider: 'example' };
const BASIC_FEATURES = { timeExtension: false, suspension: false, utilization: false, web: false };

let stack: TestStack;
let client: Client;
let reader: Client;

/** The demo catalog plus the basic product, in the stack's data directory. */
function catalogWithBasicProduct(dir: string): string {
  const catalog = JSON.parse(readFileSync(DEMO_CATALOG_FILE, 'utf8')) as {
    categories: Array<Record<string, unknown>>;
    products: Array<Record<string, unknown>>;
  };
  catalog.categories.push({ ...catalog.categories[0], name: BASIC.category });
  catalog.products.push({
    ...catalog.products[0],
    name: BASIC.id,
    category: { name: BASIC.category, provider: BASIC.provider },
    description: 'Runs jobs without extension, suspension, utilization or web sessions',
  });
  const file = join(dir, 'catalog.json');
  writeFileSync(file, JSON.stringify(catalog));
  return file;
}

beforeAll(async () => {
  const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
  stack = await startTestStack({
    extraUsers: ['reader:reader-token-0001'],
    env: {
      orchestrator: { CATALOG_FILE: catalogWithBasicProduct(dir) },
      native: {
        PRODUCTS: JSON.stringify([
          { id: EXAMPLE_PRODUCT.id, category: EXAMPLE_PRODUCT.category },
          { id: BASIC.id, category: BASIC.category, features: BASIC_FEATURES },
        ]),
      },
    },
  });
  client = stack.client();
  reader = stack.client('reader-token-0001');
});

afterAll(async () => {
  await stack?.dispose();
});

const start = async (spec: Parameters<Client['jobs']['create']['mutate']>[0]['items'][number]) => {
  const id = (await client.jobs.create.mutate({ items: [spec] })).responses[0]!.id;
  await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
  return id;
};

describe('interactive sessions', () => {
  it('opens a web session to a running web application that answers on the link', async () => {
    const id = await start(webApp({ replicas: 1 }));
    const { responses } = await client.jobs.openInteractiveSession.mutate({
      items: [{ id, rank: 0, sessionType: 'WEB' }],
    });
    const opened = responses[0]!;
    expect(opened.providerId).toBe('example');
    expect(opened.providerDomain).toBe(stack.gatewayUrl);
    if (opened.session.type !== 'web') throw new Error(`got a ${opened.session.type} session`);
    expect(opened.session).toMatchObject({ jobId: id, rank: 0 });

    let body = '';
    for (let i = 0; i < 100 && !body; i++) {
      body = await fetch(opened.session.redirectClientTo)
        .then((r) => r.text())
        .catch(() => new Promise<string>((r) => setTimeout(() => r(''), 100)));
    }
    expect(body).toBe(`Hello from acme-web-application (job ${id}, rank 0)\n`);
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });

  it('refuses sessions the product, the application or the job cannot give, naming why', async () => {
    const web = await start(webApp());
    const batch = await start(acmeBatch('no web here', 600));
    const refusal = async (item: {
      id: string;
      rank: number;
      sessionType: 'WEB' | 'SHELL' | 'VNC';
    }) => {
      const e = await errorOf(client.jobs.openInteractiveSession.mutate({ items: [item] }));
      return [e.data?.code, e.message];
    };
    expect(await refusal({ id: web, rank: 0, sessionType: 'SHELL' })).toEqual([
      'BAD_REQUEST',
      'items[0]: a SHELL session is not supported by product example-compute of provider example',
    ]);
    expect(await refusal({ id: web, rank: 1, sessionType: 'WEB' })).toEqual([
      'BAD_REQUEST',
      `items[0].rank: job ${web} has ranks 0 to 0`,
    ]);
    expect(await refusal({ id: batch, rank: 0, sessionType: 'WEB' })).toEqual([
      'BAD_REQUEST',
      'items[0].sessionType: acme-batch is a BATCH application, not WEB',
    ]);
    await client.jobs.terminate.mutate({ items: [{ id: web }, { id: batch }] });
    await waitForJob(client, web, (j) => j.status.state === 'SUCCESS');
    expect(await refusal({ id: web, rank: 0, sessionType: 'WEB' })).toEqual([
      'BAD_REQUEST',
      `items[0].id: job ${web} is SUCCESS; sessions open to RUNNING jobs`,
    ]);
  });

  it('needs EDIT on a shared job to open a session', async () => {
    const id = await start(webApp());
    await client.jobs.updateAcl.mutate({
      items: [
        { id, added: [{ entity: { type: 'user', username: 'reader' }, permissions: ['READ'] }] },
      ],
    });
    const e = await errorOf(
      reader.jobs.openInteractiveSession.mutate({ items: [{ id, rank: 0, sessionType: 'WEB' }] }),
    );
    expect(e.data?.code).toBe('FORBIDDEN');
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });

  it('answers the spec’s curl for interactiveSession', () => {
    const out = execFileSync(
      'curl',
      [
        '-sS',
        '-XPOST',
        '-H',
        `Authorization: Bearer ${stack.userToken}`,
        '-H',
        'Content-Type: content-type: application/json; charset=utf-8',
        `${stack.url}/api/jobs/interactiveSession`,
        '-d',
        JSON.stringify({ items: [{ id: '999999', rank: 1, sessionType: 'SHELL' }] }),
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({
      why: 'items[0].id: no job with id "999999"',
      errorCode: 'NOT_FOUND',
    });
  });
});

describe('capabilities a product does not declare', () => {
  it('declares less for the basic product', async () => {
    const support = await client.jobs.retrieveProducts.query();
    const basic = support.productsByProvider.example?.find((p) => p.product.name === BASIC.id);
    expect(basic?.support.native).toMatchObject({ enabled: true, logs: true, ...BASIC_FEATURES });
  });

  it('refuses extend, suspend, utilization and web sessions with 400 naming the feature, on both faces', async () => {
    const id = await start(
      webApp({ product: BASIC, timeAllocation: { hours: 1, minutes: 0, seconds: 0 } }),
    );
    const calls: Array<[() => Promise<unknown>, string]> = [
      [
        () =>
          client.jobs.extend.mutate({
            items: [{ jobId: id, requestedTime: { hours: 1, minutes: 0, seconds: 0 } }],
          }),
        'items[0]: time extension is not supported by product example-basic of provider example',
      ],
      [
        () => client.jobs.suspend.mutate({ items: [{ id }] }),
        'items[0]: suspension is not supported by product example-basic of provider example',
      ],
      [
        () => client.jobs.retrieveUtilization.query({ jobId: id }),
        'utilization is not supported by product example-basic of provider example',
      ],
      [
        () =>
          client.jobs.openInteractiveSession.mutate({
            items: [{ id, rank: 0, sessionType: 'WEB' }],
          }),
        'items[0]: a WEB session is not supported by product example-basic of provider example',
      ],
    ];
    for (const [call, message] of calls) {
      const e = await errorOf(call());
      expect([e.data?.code, e.message]).toEqual(['BAD_REQUEST', message]);
    }
    const rest = execFileSync(
      'curl',
      [
        '-sS',
        '-w',
        '\n%{http_code}',
        '-XPOST',
        '-H',
        `Authorization: Bearer ${stack.userToken}`,
        `${stack.url}/api/jobs/extend`,
        '-d',
        JSON.stringify({
          items: [{ jobId: id, requestedTime: { hours: 1, minutes: 0, seconds: 0 } }],
        }),
      ],
      { encoding: 'utf8' },
    ).split('\n');
    expect(rest[1]).toBe('400');
    expect(JSON.parse(rest[0]!)).toEqual({
      why: 'items[0]: time extension is not supported by product example-basic of provider example',
      errorCode: 'BAD_REQUEST',
    });
    // The job itself is untouched by the refusals.
    const job = await client.jobs.retrieve.query({ id });
    expect(job.status.state).toBe('RUNNING');
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });
});

describe('includeSupport', () => {
  it('is filled right after an orchestrator restart, before anything else asked the provider', async () => {
    const id = await start(acmeBatch('support', 600));
    await stack.kill('orchestrator');
    await stack.start('orchestrator');
    const job = await client.jobs.retrieve.query({ id, includeSupport: true });
    expect(job.status.resolvedSupport?.product.name).toBe(EXAMPLE_PRODUCT.id);
    expect(job.status.resolvedSupport?.support.native?.timeExtension).toBe(true);
    const page = await client.jobs.browse.query({ includeSupport: true, filterState: 'RUNNING' });
    expect(page.items.every((j) => j.status.resolvedSupport !== null)).toBe(true);
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });
});

describe('init', () => {
  it('asks every provider to prepare, through tRPC and REST', async () => {
    expect(await client.jobs.init.mutate()).toEqual({});
    const out = execFileSync(
      'curl',
      [
        '-sS',
        '-XPOST',
        '-H',
        `Authorization: Bearer ${stack.userToken}`,
        `${stack.url}/api/jobs/init`,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({});
  });
});
