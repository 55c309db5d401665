import { engineMessage, engineStatus } from './engine.js';

/** One line of the engine's pull progress (a JSON message of its stream). */
export interface PullEvent {
  id?: string;
  status?: string;
  progress?: string;
  error?: string;
}

/** What pulling needs of the engine (dockerode's Docker): a small surface, for a fake in tests. */
export interface PullingEngine {
  getImage(name: string): { inspect(): Promise<unknown> };
  pull(image: string): Promise<NodeJS.ReadableStream>;
  modem: {
    followProgress(
      stream: NodeJS.ReadableStream,
      onFinished: (err: Error | null, output: PullEvent[]) => void,
      onProgress: (event: PullEvent) => void,
    ): void;
  };
}

/**
 * Pulls `image` unless the engine has it. Progress is told to `report` as status text, at most
 * one line per `everyMs`. A pull that fails throws an Error saying why in the registry's words.
 */
export async function ensureImage(
  docker: PullingEngine,
  image: string,
  report: (status: string) => void,
  everyMs = 2_000,
): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (err) {
    if (engineStatus(err) !== 404) throw err;
  }
  report(`Pulling the image ${image}`);
  let lastReport = Date.now();
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, output: PullEvent[]) => {
          // The engine may end the stream normally with an error message as its last line.
          const failed = output.find((o) => typeof o.error === 'string');
          if (err) reject(err);
          else if (failed?.error !== undefined) reject(new Error(failed.error));
          else resolve();
        },
        (event: PullEvent) => {
          if (event.status === undefined || Date.now() - lastReport < everyMs) return;
          lastReport = Date.now();
          const what = [event.id, event.status, event.progress].filter(Boolean).join(' ');
          report(`Pulling the image ${image}: ${what}`);
        },
      );
    });
  } catch (err) {
    throw new Error(`Could not pull the image ${image}: ${engineMessage(err)}`, { cause: err });
  }
}
