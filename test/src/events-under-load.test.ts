import { describe, expect, it } from 'vitest';
import { EMITTED, LOAD_EVENT, loadEventOf } from './bench/load-plugin.js';
import { createLoadJobs, sleepMs, startLoadStack } from './bench/load.js';
import { useStack, type Client } from './harness.js';

// The load plugin (bench/load-plugin.ts) in the native plugin's place: its jobs emit status
// updates at a set rate and end saying how many they emitted.
const stack = useStack(() => startLoadStack());

async function endedJob(client: Client, id: string) {
  const deadline = Date.now() + 120_000;
  while ((await client.jobs.retrieve.query({ id })).status.state !== 'SUCCESS') {
    if (Date.now() > deadline) throw new Error(`job ${id} did not end within 2 minutes`);
    await sleepMs(250);
  }
  return client.jobs.retrieve.query({ id, includeUpdates: true });
}

describe('provider events under load', () => {
  it('stores every event of 20,000 a second exactly once when the orchestrator is SIGKILLed mid-stream', async () => {
    const client = stack.client();
    const ids = await createLoadJobs(stack, 4, 'events=5000 for=3000');
    await sleepMs(1500);
    await stack.kill('orchestrator', 'SIGKILL');
    await sleepMs(500);
    await stack.start('orchestrator');

    for (const id of ids) {
      const job = await endedJob(client, id);
      const end = job.updates.at(-1)!.status ?? '';
      expect(end).toContain(EMITTED);
      const emitted = Number(end.slice(end.indexOf(EMITTED) + EMITTED.length));
      // Load events are numbered 1, 2, 3, …: stored once each, in order, none missing.
      const numbers = job.updates
        .map((u) => u.status ?? '')
        .filter((s) => s.startsWith(LOAD_EVENT))
        .map((s) => loadEventOf(s).n);
      expect(emitted).toBeGreaterThan(10_000);
      expect(numbers).toEqual(Array.from({ length: emitted }, (_, i) => i + 1));
    }
  });
});
