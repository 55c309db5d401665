import { describe, expect, it } from 'vitest';
import { curl as curlAs, useStack } from './harness.js';

const stack = useStack();

/** Runs curl exactly as the spec writes it (including its odd Content-Type header) and parses the answer. */
async function curl(
  method: 'GET' | 'POST',
  path: string,
  body?: string,
  token = stack.userToken,
): Promise<Record<string, unknown>> {
  const args = ['--fail-with-body', `-X${method}`];
  if (body !== undefined)
    args.push('-H', 'Content-Type: content-type: application/json; charset=utf-8', '-d', body);
  return (await curlAs(token, ...args, stack.url + path)).body;
}

async function retrieve(id: string) {
  return curl(
    'GET',
    `/api/jobs/retrieve?includeProduct=false&includeOthers=false&includeUpdates=false&includeSupport=false&id=${id}`,
  );
}

async function until<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The request bodies below are the spec's, character for character.
const CREATE_BATCH = `{
    "items": [
        {
            "application": {
                "name": "a-batch-application",
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
                "var": {
                    "type": "text",
                    "value": "Example"
                }
            },
            "resources": null,
            "timeAllocation": null,
            "openedFile": null,
            "restartOnExit": null,
            "sshEnabled": null
        }
    ]
}`;

const CREATE_WEB = `{
    "items": [
        {
            "application": {
                "name": "acme-web-application",
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
            "parameters": null,
            "resources": null,
            "timeAllocation": {
                "hours": 5,
                "minutes": 0,
                "seconds": 0
            },
            "openedFile": null,
            "restartOnExit": null,
            "sshEnabled": null
        }
    ]
}`;

describe('the REST face with the spec’s curl commands', () => {
  it('creates a batch job, which runs to SUCCESS, in the spec’s JSON shape', async () => {
    const created = await curl('POST', '/api/jobs', CREATE_BATCH);
    expect(created).toEqual({ responses: [{ id: expect.stringMatching(/^\d+$/) }] });
    const id = (created.responses as Array<{ id: string }>)[0]!.id;

    const job = await until(
      () => retrieve(id),
      (j) => (j.status as { state: string }).state === 'SUCCESS',
    );
    expect(Object.keys(job).sort()).toEqual([
      'createdAt',
      'id',
      'output',
      'owner',
      'permissions',
      'providerGeneratedId',
      'specification',
      'status',
      'updates',
    ]);
    expect(job.owner).toEqual({ createdBy: 'user', project: null });
    expect(Object.keys(job.status as object).sort()).toEqual([
      'allowRestart',
      'expiresAt',
      'jobParametersJson',
      'resolvedApplication',
      'resolvedProduct',
      'resolvedSupport',
      'startedAt',
      'state',
    ]);
    const updates = job.updates as Array<Record<string, unknown>>;
    expect(updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
    expect(Object.keys(updates[0]!).sort()).toEqual([
      'allowRestart',
      'expectedDifferentState',
      'expectedState',
      'newMounts',
      'newTimeAllocation',
      'outputFolder',
      'state',
      'status',
      'timestamp',
    ]);
    expect(updates[0]!.status).toBe('Your job is now waiting in the queue!');

    const page = await curl(
      'GET',
      '/api/jobs/browse?itemsPerPage=10&filterApplication=a-batch-application',
    );
    expect((page.items as Array<{ id: string }>).map((j) => j.id)).toContain(id);
  });

  it('extends and terminates a running job, as in the spec’s extend-and-terminate example', async () => {
    const created = await curl('POST', '/api/jobs', CREATE_WEB);
    const id = (created.responses as Array<{ id: string }>)[0]!.id;
    const running = await until(
      () => retrieve(id),
      (j) => (j.status as { state: string }).state === 'RUNNING',
    );
    const status = running.status as { expiresAt: number; startedAt: number };
    expect(status.expiresAt - status.startedAt).toBe(5 * 3600 * 1000);

    const extend = `{
    "items": [
        {
            "jobId": "${id}",
            "requestedTime": {
                "hours": 1,
                "minutes": 0,
                "seconds": 0
            }
        }
    ]
}`;
    expect(await curl('POST', '/api/jobs/extend', extend)).toEqual({ responses: [{}] });
    const extended = await retrieve(id);
    expect((extended.status as { expiresAt: number }).expiresAt - status.expiresAt).toBe(3_600_000);

    expect(
      await curl(
        'POST',
        '/api/jobs/terminate',
        `{\n    "items": [\n        {\n            "id": "${id}"\n        }\n    ]\n}`,
      ),
    ).toEqual({ responses: [{}] });
    const ended = await until(
      () => retrieve(id),
      (j) => (j.status as { state: string }).state === 'SUCCESS',
    );
    expect(
      (ended.updates as Array<{ state: string; status: string }>).map((u) => [u.state, u.status]),
    ).toEqual([
      ['IN_QUEUE', 'Your job is now waiting in the queue!'],
      ['RUNNING', 'Your job is now running!'],
      ['SUCCESS', 'Your job has been cancelled!'],
    ]);
    expect((ended.status as { expiresAt: number | null }).expiresAt).toBeNull();
  });

  it('follows a job as Server-Sent Events', async () => {
    const created = await curl('POST', '/api/jobs', CREATE_BATCH);
    const id = (created.responses as Array<{ id: string }>)[0]!.id;
    const { text } = await curlAs(
      stack.userToken,
      '-N',
      '--max-time',
      '60',
      `${stack.url}/api/jobs/follow?id=${id}`,
    );
    const messages = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map(
        (l) =>
          JSON.parse(l.slice(6)) as {
            updates: Array<{ state: string }>;
            log: Array<{ stdout: string | null }>;
          },
      );
    expect(messages.flatMap((m) => m.updates.map((u) => u.state))).toEqual([
      'IN_QUEUE',
      'RUNNING',
      'SUCCESS',
    ]);
    expect(messages.flatMap((m) => m.log.map((l) => l.stdout ?? '')).join('')).toBe(
      'batch: var=Example\nbatch: finished\n',
    );
  });

  it('accepts a provider’s update on /api/jobs/control/update with the spec’s JSON', async () => {
    const created = await curl('POST', '/api/jobs', CREATE_BATCH);
    const id = (created.responses as Array<{ id: string }>)[0]!.id;
    await until(
      () => retrieve(id),
      (j) => (j.status as { state: string }).state === 'RUNNING',
    );
    const update = `{
    "items": [
        {
            "id": "${id}",
            "update": {
                "state": "FAILURE",
                "outputFolder": null,
                "status": "Your job is no longer available",
                "expectedState": null,
                "expectedDifferentState": null,
                "newTimeAllocation": null,
                "allowRestart": null,
                "newMounts": null,
                "timestamp": 0
            }
        }
    ]
}`;
    expect(await curl('POST', '/api/jobs/control/update', update, stack.providerToken)).toEqual({});
    const job = await retrieve(id);
    expect((job.status as { state: string }).state).toBe('FAILURE');
    expect((job.updates as Array<{ status: string; timestamp: number }>).at(-1)).toMatchObject({
      status: 'Your job is no longer available',
    });
  });
});
