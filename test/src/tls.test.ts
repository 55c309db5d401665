import { credentials, Metadata } from '@grpc/grpc-js';
import { makeTestPki } from '@ucloud/contracts/testing/pki';
import { ComputePluginClient } from '@ucloud/provider-proto';
import { join } from 'node:path';
import { Agent, fetch, setGlobalDispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { acmeBatch, followUntil, stdoutOf, useStack } from './harness.js';

// Every link of the stack over TLS with certificates of a CA made here: HTTPS to the orchestrator
// and the gateway, mutual TLS from the gateway to the plugin.
const pki = makeTestPki();
const pem = (name: string) => join(pki.dir, name);
// This test's clients (tRPC, SSE) trust the site's CA, as a site's users would.
setGlobalDispatcher(new Agent({ connect: { ca: pki.ca } }));

const stack = useStack({
  tls: {
    caFile: pem('ca.crt'),
    certFile: pem('server.crt'),
    keyFile: pem('server.key'),
    clientCertFile: pem('client.crt'),
    clientKeyFile: pem('client.key'),
  },
});

describe('a stack whose parts talk over TLS', () => {
  it('runs a job and streams its output, every link encrypted', async () => {
    expect(stack.url).toMatch(/^https:/);
    expect(stack.gatewayUrl).toMatch(/^https:/);
    const client = stack.client();
    const { responses } = await client.jobs.create.mutate({ items: [acmeBatch('over TLS', 2)] });
    const events = await followUntil(client, responses[0]!.id);
    expect(events.at(-1)?.data.newStatus?.state).toBe('SUCCESS');
    expect(stdoutOf(events)).toBe(
      'acme-batch: value=over TLS debug=false\nstep 1 of 2\nstep 2 of 2\ndone\n',
    );
  });

  it('is refused by a client that trusts another CA, and by plain HTTP', async () => {
    const stranger = new Agent({ connect: { ca: pki.otherCa } });
    await expect(fetch(`${stack.url}/healthz`, { dispatcher: stranger })).rejects.toMatchObject({
      cause: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    });
    const plain = await fetch(`${stack.url.replace('https:', 'http:')}/healthz`).catch(
      (e: unknown) => e,
    );
    expect(plain).toBeInstanceOf(Error);
  });

  it('has the plugin refuse a gateway whose client certificate another CA signed, or none', async () => {
    const describeWith = (key: Buffer | null, cert: Buffer | null) =>
      new Promise<unknown>((resolve) => {
        const client = new ComputePluginClient(
          stack.pluginAddress,
          credentials.createSsl(pki.ca, key, cert),
        );
        client.describe({}, new Metadata(), { deadline: Date.now() + 5_000 }, (error, answer) => {
          client.close();
          resolve(error ?? answer);
        });
      });
    expect(await describeWith(pki.client.key, pki.client.cert)).toHaveProperty('eventStreamId');
    expect(await describeWith(pki.otherClient.key, pki.otherClient.cert)).toBeInstanceOf(Error);
    expect(await describeWith(null, null)).toBeInstanceOf(Error);
  });
});
