import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acmeBatch,
  curl,
  killJobProcesses,
  startTestStack,
  waitForJob,
  webApp,
  type TestStack,
} from './harness.js';

// Each test starts a stack of its own, disposed when the test ends (`await using`).

/** The native plugin dies and comes back having lost everything it knew (its data directory). */
async function restartPluginWithoutItsState(s: TestStack): Promise<void> {
  await s.kill('native', 'SIGKILL');
  const dir = join(s.dataDir, 'provider-native');
  killJobProcesses(dir);
  rmSync(dir, { recursive: true, force: true });
  await s.start('native');
}

describe('orchestrator and provider in step', () => {
  it('answers the spec’s verify call: a job the provider does not know ends FAILURE', async () => {
    await using stack = await startTestStack();
    const client = stack.client();
    const id = (await client.jobs.create.mutate({ items: [webApp()] })).responses[0]!.id;
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    await restartPluginWithoutItsState(stack);

    // The spec's request, as UCloud/Core sends it, with this job's id.
    const body = `{
    "items": [
        {
            "id": "${id}",
            "owner": {
                "createdBy": "user",
                "project": null
            },
            "updates": [
            ],
            "specification": {
                "application": {
                    "name": "acme-batch",
                    "version": "1.0.0"
                },
                "product": {
                    "id": "example-compute",
                    "category": "example-compute",
                    "provider": "example"
                },
                "name": null,
                "replicas": 1,
                "allowDuplicateJob": false,
                "parameters": {
                    "debug": {
                        "type": "boolean",
                        "value": true
                    },
                    "value": {
                        "type": "text",
                        "value": "Hello, World!"
                    }
                },
                "resources": null,
                "timeAllocation": {
                    "hours": 1,
                    "minutes": 0,
                    "seconds": 0
                },
                "openedFile": null,
                "restartOnExit": null,
                "sshEnabled": null
            },
            "status": {
                "state": "RUNNING",
                "jobParametersJson": null,
                "startedAt": null,
                "expiresAt": null,
                "resolvedApplication": null,
                "resolvedSupport": null,
                "resolvedProduct": null,
                "allowRestart": false
            },
            "createdAt": 1633329776235,
            "output": null,
            "permissions": null
        }
    ]
}`;
    const verified = await curl(
      stack.providerToken,
      '--fail-with-body',
      '-XPOST',
      '-H',
      'Content-Type: content-type: application/json; charset=utf-8',
      `${stack.gatewayUrl}/ucloud/example/jobs/verify`,
      '-d',
      body,
    );
    expect(verified.body).toEqual({});
    const job = await waitForJob(client, id, (j) => j.status.state === 'FAILURE');
    expect(job.updates.at(-1)).toMatchObject({
      state: 'FAILURE',
      status: 'Your job is no longer available',
    });
  });

  it('verifies active jobs periodically on its own', async () => {
    await using stack = await startTestStack({
      env: { orchestrator: { VERIFY_INTERVAL_MS: '500' } },
    });
    const client = stack.client();
    const id = (await client.jobs.create.mutate({ items: [webApp()] })).responses[0]!.id;
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    await restartPluginWithoutItsState(stack);
    const job = await waitForJob(client, id, (j) => j.status.state === 'FAILURE', 30_000);
    expect(job.updates.at(-1)!.status).toBe('Your job is no longer available');
  });

  it('re-attaches 20 running jobs after the native plugin is SIGKILLed and restarted', async () => {
    await using stack = await startTestStack({
      env: { orchestrator: { VERIFY_INTERVAL_MS: '1000' } },
    });
    const client = stack.client();
    const ids = (
      await client.jobs.create.mutate({
        items: Array.from({ length: 20 }, (_, i) => acmeBatch(`job ${i}`, 4)),
      })
    ).responses.map((r) => r.id);
    await Promise.all(ids.map((id) => waitForJob(client, id, (j) => j.status.state === 'RUNNING')));

    await stack.kill('native', 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    await stack.start('native');

    const jobs = await Promise.all(
      ids.map((id) =>
        waitForJob(client, id, (j) => ['SUCCESS', 'FAILURE'].includes(j.status.state), 60_000),
      ),
    );
    for (const job of jobs) {
      expect(job.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
      expect(job.updates.at(-1)!.status).toBe('The job exited with code 0');
    }
  });
});
