import { JobState } from '@ucloud/provider-proto';
import { freePort } from '@ucloud/provider-sdk';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOrchestrator } from './testing/fake-orchestrator.js';
import { FakePlugin } from './testing/fake-plugin.js';
import {
  PROVIDER_ID,
  type RunningGateway,
  startGateway,
  TOKEN,
  waitFor,
} from './testing/harness.js';

/** Job ids of the applied updates, in order: what the orchestrator ended up storing. */
const deliveredIds = (orchestrator: FakeOrchestrator) =>
  orchestrator.state.items.map((item) => item.id);

interface LogLine {
  level: number;
  msg: string;
}

/** A debug-level logger whose lines the test reads back. */
function capturedLogs() {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  );
  const warnings = () => lines.filter((line) => line.level >= WARN);
  return { logger, lines, warnings };
}

/** pino's number for the warn level. */
const WARN = 40;

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

describe('event pump', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of cleanup.splice(0).reverse()) await stop();
  });

  async function setUp(events = 0) {
    const plugin = await FakePlugin.start({ name: 'native' });
    cleanup.push(() => plugin.stop());
    // Job ids are the event numbers, so order is easy to read.
    for (let i = 1; i <= events; i++) plugin.emit(String(i), JobState.JOB_STATE_RUNNING);
    const orchestrator = await FakeOrchestrator.start(TOKEN, PROVIDER_ID);
    cleanup.push(() => orchestrator.stop());
    return { plugin, orchestrator };
  }

  async function gateway(plugin: FakePlugin, orchestrator: FakeOrchestrator) {
    const gw = await startGateway([plugin], orchestrator.url);
    let stopped = false;
    cleanup.push(async () => {
      if (!stopped) await gw.stop();
    });
    return {
      ...gw,
      stop: async () => {
        stopped = true;
        await gw.stop();
      },
    } satisfies RunningGateway;
  }

  it('delivers every event in order in batches with cursors, then acks the plugin', async () => {
    const { plugin, orchestrator } = await setUp(250);
    await gateway(plugin, orchestrator);

    await waitFor(() => plugin.acks.at(-1) === '250', 'the backlog to be acked');
    expect(deliveredIds(orchestrator)).toEqual(range(1, 250));
    for (const update of orchestrator.state.updates) {
      expect(update.items.length).toBeLessThanOrEqual(100);
      // The cursor is the seq of the batch's last event (here equal to its job id).
      expect(update.cursor).toEqual({ stream: 'native-stream-1', seq: update.items.at(-1)?.id });
    }
    expect(orchestrator.state.updates[0]?.items[0]).toEqual({
      id: '1',
      update: expect.objectContaining({ state: 'RUNNING', status: null, expectedState: null }),
    });

    // Live events follow, with status, compare-and-set and "no state change" mapped.
    plugin.emit('251', JobState.JOB_STATE_SUCCESS, 'Exited with 0', {
      expectedState: JobState.JOB_STATE_RUNNING,
    });
    plugin.emit('252', JobState.JOB_STATE_UNSPECIFIED, 'Still pulling the image');
    plugin.emit('253', JobState.JOB_STATE_RUNNING, 'Running', { providerGeneratedId: 'slurm-17' });
    await waitFor(() => plugin.acks.at(-1) === '253', 'live events to be acked');
    expect(orchestrator.state.items.slice(-3)).toEqual([
      {
        id: '251',
        update: expect.objectContaining({
          state: 'SUCCESS',
          status: 'Exited with 0',
          expectedState: 'RUNNING',
          timestamp: expect.any(Number),
        }),
      },
      {
        id: '252',
        update: expect.objectContaining({ state: null, status: 'Still pulling the image' }),
      },
      // The provider's own id, when the plugin learned it after create, goes along.
      {
        id: '253',
        update: expect.objectContaining({ state: 'RUNNING' }),
        providerGeneratedId: 'slurm-17',
      },
    ]);
    expect(orchestrator.state.ignored).toEqual([]);
  });

  it('acks the plugin only what the orchestrator has stored', async () => {
    const { plugin, orchestrator } = await setUp(3);
    orchestrator.state.failUpdates = 1_000_000;
    await gateway(plugin, orchestrator);

    await waitFor(() => orchestrator.state.failedUpdates >= 3, 'the pump to retry');
    expect(plugin.acks).toEqual([]);
    orchestrator.state.failUpdates = 0;
    await waitFor(() => plugin.acks.at(-1) === '3', 'the ack after recovery');
    expect(deliveredIds(orchestrator)).toEqual(['1', '2', '3']);
  });

  it("resumes from the orchestrator's cursor after the orchestrator fails calls", async () => {
    const { plugin, orchestrator } = await setUp(5);
    const gw = await gateway(plugin, orchestrator);
    await waitFor(() => plugin.acks.at(-1) === '5', 'the first events');

    orchestrator.state.failUpdates = 3;
    for (let i = 6; i <= 9; i++) plugin.emit(String(i), JobState.JOB_STATE_RUNNING);
    await waitFor(() => plugin.acks.at(-1) === '9', 'delivery after the failures');

    expect(orchestrator.state.failedUpdates).toBe(3);
    expect(deliveredIds(orchestrator)).toEqual(range(1, 9));
    // Each reconnect watched again from what the orchestrator had stored.
    expect(plugin.watches.slice(1).every((afterSeq) => afterSeq === '5')).toBe(true);
    expect(plugin.watches.length).toBeGreaterThanOrEqual(4);
    expect(gw.gateway.pumps.get('native')?.state).toBe('live');
  });

  it('catches up after the orchestrator was down and came back', async () => {
    const { plugin, orchestrator } = await setUp(2);
    await gateway(plugin, orchestrator);
    await waitFor(() => plugin.acks.at(-1) === '2', 'the first events');

    await orchestrator.stop();
    for (let i = 3; i <= 6; i++) plugin.emit(String(i), JobState.JOB_STATE_RUNNING);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(plugin.acks.at(-1)).toBe('2');
    await orchestrator.restart();

    await waitFor(() => plugin.acks.at(-1) === '6', 'delivery after the restart');
    expect(deliveredIds(orchestrator)).toEqual(range(1, 6));
  });

  it("resumes from the orchestrator's cursor after the gateway restarts", async () => {
    const { plugin, orchestrator } = await setUp(4);
    const first = await gateway(plugin, orchestrator);
    await waitFor(() => plugin.acks.at(-1) === '4', 'the first gateway to deliver');
    await first.stop();

    for (let i = 5; i <= 7; i++) plugin.emit(String(i), JobState.JOB_STATE_RUNNING);
    await gateway(plugin, orchestrator);
    await waitFor(() => plugin.acks.at(-1) === '7', 'the second gateway to deliver');

    expect(plugin.watches).toEqual(['0', '4']);
    expect(deliveredIds(orchestrator)).toEqual(range(1, 7));
    expect(orchestrator.state.ignored).toEqual([]);
  });

  it('reconnects when the plugin breaks the stream, and follows a restarted event log', async () => {
    const { plugin, orchestrator } = await setUp(2);
    await gateway(plugin, orchestrator);
    await waitFor(() => plugin.acks.at(-1) === '2', 'the first events');

    plugin.breakWatches();
    plugin.emit('3', JobState.JOB_STATE_RUNNING);
    await waitFor(() => plugin.acks.at(-1) === '3', 'delivery after the broken stream');
    expect(plugin.watches.at(-1)).toBe('2');

    // A plugin that lost its log starts a new stream at seq 1; its cursor starts over too.
    plugin.restartLog('native-stream-2');
    plugin.emit('4', JobState.JOB_STATE_SUCCESS);
    await waitFor(
      () => orchestrator.state.cursors.get('native-stream-2') === '1',
      'the new stream to be delivered',
    );
    expect(deliveredIds(orchestrator)).toEqual(['1', '2', '3', '4']);
    expect(orchestrator.state.updates.at(-1)?.cursor).toEqual({
      stream: 'native-stream-2',
      seq: '1',
    });
  });

  it('waits quietly for an orchestrator that is still starting, and warns once it was up', async () => {
    const plugin = await FakePlugin.start({ name: 'native' });
    cleanup.push(() => plugin.stop());
    plugin.emit('1', JobState.JOB_STATE_RUNNING);
    const port = await freePort();
    const { logger, lines, warnings } = capturedLogs();
    const gw = await startGateway([plugin], `http://127.0.0.1:${port}`, {}, logger);
    cleanup.push(() => gw.stop());

    await waitFor(
      () => lines.some((l) => l.msg === 'waiting for the orchestrator to answer'),
      'a refusal',
    );
    const orchestrator = await FakeOrchestrator.start(TOKEN, PROVIDER_ID, { port });
    cleanup.push(() => orchestrator.stop());
    await waitFor(() => plugin.acks.at(-1) === '1', 'delivery once the orchestrator is up');
    expect(warnings()).toEqual([]);

    // Once it has answered, losing it is news.
    await orchestrator.stop();
    plugin.emit('2', JobState.JOB_STATE_SUCCESS);
    await waitFor(() => warnings().length > 0, 'a warning about the lost orchestrator');
    expect(warnings()[0]?.msg).toBe('event pump interrupted; reconnecting');
  });

  it('warns when the orchestrator never answers within the grace after start', async () => {
    const plugin = await FakePlugin.start({ name: 'native' });
    cleanup.push(() => plugin.stop());
    const port = await freePort();
    const { logger, lines } = capturedLogs();
    const gw = await startGateway(
      [plugin],
      `http://127.0.0.1:${port}`,
      { orchestratorStartGraceMs: 50 },
      logger,
    );
    cleanup.push(() => gw.stop());
    await waitFor(
      () => lines.some((l) => l.msg === 'event pump interrupted; reconnecting'),
      'a warning after the grace',
    );
  });

  it('waits for a plugin that is not up yet, then connects and pumps', async () => {
    const port = await freePort();
    const orchestrator = await FakeOrchestrator.start(TOKEN, PROVIDER_ID);
    cleanup.push(() => orchestrator.stop());
    const gw = await startGateway(
      [{ name: 'late', address: `127.0.0.1:${port}` }],
      orchestrator.url,
    );
    cleanup.push(() => gw.stop());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gw.gateway.pumps.get('late')?.state).toBe('stopped');

    const plugin = await FakePlugin.start({ name: 'late', port });
    cleanup.push(() => plugin.stop());
    plugin.emit('1', JobState.JOB_STATE_IN_QUEUE);
    await waitFor(() => plugin.acks.at(-1) === '1', 'the late plugin to be pumped');
  });
});
