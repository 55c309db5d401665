import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  acmeBatch,
  curl,
  EXAMPLE_PRODUCT,
  errorOf,
  useStack,
  waitForJob,
  webApp,
  type Client,
} from './harness.js';

/** A second product whose site allows none of the optional features. */
const BASIC = { id: 'example-basic', category: 'example-basic', provider: 'example' };
const BASIC_FEATURES = {
  timeExtension: false,
  suspension: false,
  utilization: false,
  web: false,
  terminal: false,
};

/** A web application whose WebSockets echo, on the port in UCLOUD_PORT (the `ws` package). */
const WS_ECHO = `const { WebSocketServer } = require(${JSON.stringify(createRequire(import.meta.url).resolve('ws'))});
new WebSocketServer({ port: +process.env.UCLOUD_PORT }).on('connection', (s, q) => s.on('message', (m) => s.send(q.url + ' ' + m)));`;

const stack = useStack({
  extraUsers: ['reader:reader-token-0001'],
  catalog: {
    applications: [
      {
        like: 'acme-web-application',
        metadata: { name: 'acme-web-socket', title: 'WebSocket echo' },
        invocation: {
          invocation: [
            { type: 'word', word: process.execPath },
            { type: 'word', word: '-e' },
            { type: 'word', word: WS_ECHO },
          ],
        },
      },
    ],
    products: [
      {
        ...BASIC,
        fields: {
          description:
            'Runs jobs without extension, suspension, utilization, web or shell sessions',
        },
        features: BASIC_FEATURES,
      },
    ],
  },
});
const client = stack.client();
const reader = stack.client('reader-token-0001');

const start = async (
  spec: Parameters<Client['jobs']['create']['mutate']>[0]['items'][number],
  as: Client = client,
) => {
  const id = (await as.jobs.create.mutate({ items: [spec] })).responses[0]!.id;
  await waitForJob(as, id, (j) => j.status.state === 'RUNNING');
  return id;
};

describe('interactive sessions', () => {
  /** Opens a web session of `as`: the link, with its one-time ticket. */
  const openWeb = async (id: string, as: Client = client) => {
    const { responses } = await as.jobs.openInteractiveSession.mutate({
      items: [{ id, rank: 0, sessionType: 'WEB' }],
    });
    const opened = responses[0]!;
    if (opened.session.type !== 'web') throw new Error(`got a ${opened.session.type} session`);
    return { ...opened, link: opened.session.redirectClientTo };
  };

  /** Follows a session link: 303 to the session's prefix with its cookie, or the refusal. */
  const enter = async (link: string) => {
    const res = await fetch(link, { redirect: 'manual' });
    if (res.status !== 303)
      return { status: res.status, body: await res.json(), cookie: '', url: '' };
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    return {
      status: 303,
      body: null,
      cookie,
      url: new URL(res.headers.get('location')!, link).href,
    };
  };

  /** What the application answers through the gateway, once it listens. */
  const load = async (url: string, cookie?: string) => {
    for (let i = 0; ; i++) {
      const res = await fetch(url, { headers: cookie ? { cookie } : {} });
      // 409 while the rank's server is not listening yet.
      if (res.status !== 409 || i === 100) return { status: res.status, body: await res.text() };
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('opens a web session through the gateway: a one-time link, then a cookie of that job only', async () => {
    const id = await start(webApp({ replicas: 1 }));
    const opened = await openWeb(id);
    expect(opened.providerId).toBe('example');
    expect(opened.providerDomain).toBe(stack.gatewayUrl);
    expect(opened.session).toMatchObject({ jobId: id, rank: 0 });
    const prefix = `${stack.gatewayUrl}/ucloud/example/web/${id}/0/`;
    expect(opened.link).toMatch(new RegExp(`^${prefix}\\?ticket=[\\w-]+$`));

    const entered = await enter(opened.link);
    expect(entered).toMatchObject({ status: 303, url: prefix });
    expect(await load(entered.url, entered.cookie)).toEqual({
      status: 200,
      body: `Hello from acme-web-application (job ${id}, rank 0)\n`,
    });
    // The link opens once; without the cookie, nothing.
    expect(await enter(opened.link)).toMatchObject({
      status: 403,
      body: { errorCode: 'FORBIDDEN' },
    });
    expect((await load(prefix)).status).toBe(403);

    // Another user's session, on their own job, does not open this one.
    const theirs = await start(webApp(), reader);
    const other = await enter((await openWeb(theirs, reader)).link);
    expect(other.status).toBe(303);
    expect(await load(prefix, other.cookie)).toMatchObject({ status: 403 });
    expect((await load(other.url, other.cookie)).status).toBe(200);

    // The application's own port is not what users get.
    const { port } = new URL(stack.gatewayUrl);
    expect(new URL(opened.link).port).toBe(port);

    await client.jobs.terminate.mutate({ items: [{ id }] });
    await reader.jobs.terminate.mutate({ items: [{ id: theirs }] });
    await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
    // A job that ended closes its sessions: the cookie stops working.
    for (let i = 0; i < 50 && (await load(entered.url, entered.cookie)).status !== 403; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await load(entered.url, entered.cookie)).status).toBe(403);
  });

  it("passes the application's own WebSockets through the gateway, with the session's cookie only", async () => {
    const id = await start({
      ...webApp(),
      application: { name: 'acme-web-socket', version: '1.0.0' },
    });
    const { cookie, url } = await enter((await openWeb(id)).link);
    const socketUrl = `${url.replace(/^http/, 'ws')}chat?room=1`;
    const exchange = () =>
      new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(socketUrl, { headers: { cookie } });
        socket.on('open', () => socket.send('hello'));
        socket.on('message', (data: Buffer) => {
          resolve(data.toString());
          socket.close();
        });
        socket.on('unexpected-response', (_q, res) =>
          reject(new Error(`HTTP ${String(res.statusCode)}`)),
        );
        socket.on('error', reject);
      });
    let answer = '';
    for (let i = 0; i < 100 && !answer; i++)
      answer = await exchange().catch(async () => {
        await new Promise((r) => setTimeout(r, 100));
        return '';
      });
    // The application sees its own path: the prefix is stripped.
    expect(answer).toBe('/chat?room=1 hello');
    const refused = await new Promise<number | undefined>((resolve) =>
      new WebSocket(socketUrl).on('unexpected-response', (_q, res) => resolve(res.statusCode)),
    );
    expect(refused).toBe(403);
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });

  it('refuses sessions the product, the application or the job cannot give, naming why', async () => {
    const web = await start(webApp());
    const batch = await start(acmeBatch('no web here', 600));
    const basic = await start(acmeBatch('no shell here', 600, { product: BASIC }));
    const refusal = async (item: {
      id: string;
      rank: number;
      sessionType: 'WEB' | 'SHELL' | 'VNC';
    }) => {
      const e = await errorOf(client.jobs.openInteractiveSession.mutate({ items: [item] }));
      return [e.data?.code, e.message];
    };
    expect(await refusal({ id: basic, rank: 0, sessionType: 'SHELL' })).toEqual([
      'BAD_REQUEST',
      'items[0]: a SHELL session is not supported by product example-basic of provider example',
    ]);
    expect(await refusal({ id: web, rank: 1, sessionType: 'WEB' })).toEqual([
      'BAD_REQUEST',
      `items[0].rank: job ${web} has ranks 0 to 0`,
    ]);
    expect(await refusal({ id: batch, rank: 0, sessionType: 'WEB' })).toEqual([
      'BAD_REQUEST',
      'items[0].sessionType: acme-batch is a BATCH application, not WEB',
    ]);
    await client.jobs.terminate.mutate({ items: [{ id: web }, { id: batch }, { id: basic }] });
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

  it('answers the spec’s curl for interactiveSession', async () => {
    const { body } = await curl(
      stack.userToken,
      '-XPOST',
      '-H',
      'Content-Type: content-type: application/json; charset=utf-8',
      `${stack.url}/api/jobs/interactiveSession`,
      '-d',
      JSON.stringify({ items: [{ id: '999999', rank: 1, sessionType: 'SHELL' }] }),
    );
    expect(body).toEqual({
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
    const rest = await curl(
      stack.userToken,
      '-XPOST',
      `${stack.url}/api/jobs/extend`,
      '-d',
      JSON.stringify({
        items: [{ jobId: id, requestedTime: { hours: 1, minutes: 0, seconds: 0 } }],
      }),
    );
    expect(rest.status).toBe(400);
    expect(rest.body).toEqual({
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
    expect((await curl(stack.userToken, '-XPOST', `${stack.url}/api/jobs/init`)).body).toEqual({});
  });
});
