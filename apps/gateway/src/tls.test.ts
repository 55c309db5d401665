import { ServerCredentials } from '@grpc/grpc-js';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchestratorCallError, PluginCallError } from './errors.js';
import { createJobsControlClient } from './orchestrator-client.js';
import { PluginClient } from './plugin-client.js';
import { makeTestPki, type TestPki } from '@ucloud/contracts/testing/pki';
import { FakePlugin } from './testing/fake-plugin.js';
import { startGateway, TOKEN } from './testing/harness.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

describe('gateway → plugin over mutual TLS', () => {
  let plugin: FakePlugin;
  beforeAll(async () => {
    plugin = await FakePlugin.start({
      credentials: ServerCredentials.createSsl(
        pki.ca,
        [{ cert_chain: pki.server.cert, private_key: pki.server.key }],
        true,
      ),
    });
  });
  afterAll(() => plugin.stop());

  const describeWith = (tls: ConstructorParameters<typeof PluginClient>[3]) => {
    const client = new PluginClient('fake', plugin.address, 2000, tls);
    return client.describe().finally(() => client.close());
  };

  it('answers a gateway that presents a client certificate of the CA', async () => {
    const described = await describeWith({ ca: pki.ca, client: pki.client });
    expect(described.eventStreamId).toBe(plugin.eventStreamId);
  });

  it('refuses a client certificate of another CA, or none', async () => {
    await expect(describeWith({ ca: pki.ca, client: pki.otherClient })).rejects.toThrow(
      PluginCallError,
    );
    await expect(describeWith({ ca: pki.ca, client: null })).rejects.toThrow(PluginCallError);
  });

  it('refuses a plugin whose certificate another CA signed', async () => {
    await expect(describeWith({ ca: pki.otherCa, client: pki.client })).rejects.toThrow(
      PluginCallError,
    );
  });
});

describe('gateway ↔ orchestrator over HTTPS', () => {
  let orchestrator: Server;
  let url: string;
  beforeAll(async () => {
    // Just enough of the orchestrator's tRPC endpoint: retrieveCursor answers "no cursor".
    orchestrator = createServer(pki.server, (_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ result: { data: null } }));
    });
    await new Promise<void>((resolve) => orchestrator.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(orchestrator.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => orchestrator.close(() => resolve())));

  const control = (ca: Buffer) =>
    createJobsControlClient({
      orchestratorUrl: url,
      providerToken: () => TOKEN,
      ca,
      timeoutMs: 2000,
    });

  it('reaches an orchestrator whose certificate ORCHESTRATOR_CA_FILE signed', async () => {
    expect(await control(pki.ca).retrieveCursor('s')).toBeNull();
  });

  it('refuses an orchestrator whose certificate another CA signed', async () => {
    const refused = control(pki.otherCa).retrieveCursor('s');
    await expect(refused).rejects.toThrow(OrchestratorCallError);
  });

  it('listens with HTTPS for the orchestrator, refused by a client that trusts another CA', async () => {
    const gateway = await startGateway([], url, {}, undefined, pki.server);
    try {
      expect(gateway.url).toMatch(/^https:/);
      const get = (ca: Buffer) =>
        fetch(`${gateway.url}/ucloud/example/jobs/retrieveProducts`, {
          headers: { authorization: `Bearer ${TOKEN}` },
          dispatcher: new Agent({ connect: { ca } }),
        });
      expect((await get(pki.ca)).status).toBe(200);
      await expect(get(pki.otherCa)).rejects.toThrow();
    } finally {
      await gateway.stop();
    }
  });
});
