import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ensureImage, type PullEvent, type PullingEngine } from './pull.js';

/**
 * A fake engine, named as such: no registry is reachable from the test machines, so a pull that
 * makes progress cannot be produced on the real engine. It lacks every image and "pulls" by
 * replaying `events`, then ending as `end` says.
 */
function fakePullingEngine(events: PullEvent[], end: Error | null = null): PullingEngine {
  return {
    getImage: () => ({
      inspect: () => Promise.reject(Object.assign(new Error('no such image'), { statusCode: 404 })),
    }),
    pull: () => Promise.resolve(new PassThrough()),
    modem: {
      followProgress: (
        _stream: unknown,
        onFinished: (err: Error | null, output: PullEvent[]) => void,
        onProgress: (event: PullEvent) => void,
      ) => {
        for (const event of events) onProgress(event);
        onFinished(end, events);
      },
    },
  };
}

describe('pulling an image the engine lacks', () => {
  it("reports the pull's progress as status text", async () => {
    const statuses: string[] = [];
    const engine = fakePullingEngine([
      { status: 'Pulling from ucloud/app', id: '1' },
      { status: 'Downloading', id: 'a1b2', progress: '[==>   ] 1.2MB/4MB' },
      { status: 'Pull complete', id: 'a1b2' },
    ]);
    await ensureImage(engine, 'registry.example/ucloud/app:1', (s) => statuses.push(s), 0);
    expect(statuses).toEqual([
      'Pulling the image registry.example/ucloud/app:1',
      'Pulling the image registry.example/ucloud/app:1: 1 Pulling from ucloud/app',
      'Pulling the image registry.example/ucloud/app:1: a1b2 Downloading [==>   ] 1.2MB/4MB',
      'Pulling the image registry.example/ucloud/app:1: a1b2 Pull complete',
    ]);
  });

  it('reports at most one progress line per interval', async () => {
    const statuses: string[] = [];
    const events = Array.from({ length: 50 }, (_, i) => ({ status: 'Downloading', id: `${i}` }));
    await ensureImage(fakePullingEngine(events), 'app:1', (s) => statuses.push(s), 60_000);
    expect(statuses).toEqual(['Pulling the image app:1']);
  });

  it("fails with the registry's reason when the stream ends in an error", async () => {
    const engine = fakePullingEngine([
      { status: 'Pulling from ucloud/app', id: '1' },
      { error: 'manifest for ucloud/app:2 not found: manifest unknown' },
    ]);
    await expect(ensureImage(engine, 'ucloud/app:2', () => undefined, 0)).rejects.toThrow(
      'Could not pull the image ucloud/app:2: manifest for ucloud/app:2 not found: manifest unknown',
    );
  });
});
