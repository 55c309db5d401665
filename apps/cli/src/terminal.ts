import { createSpinner, type Spinner } from 'nanospinner';
import { createColors } from 'picocolors';

export type Colors = ReturnType<typeof createColors>;

/** What the CLI writes to: the process's streams, or a test's. */
export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export const processStreams = (): Streams => ({ stdout: process.stdout, stderr: process.stderr });

/**
 * Colour only for a person at a terminal: never with NO_COLOR (no-color.org: set and not empty),
 * TERM=dumb, or output that is not a TTY; picocolors' own check also colours under CI, which
 * logs are not a person.
 */
export function colorsFor(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): Colors {
  const enabled = !env.NO_COLOR && env.TERM !== 'dumb' && !!stream.isTTY;
  return createColors(enabled);
}

/**
 * A spinner on a terminal; elsewhere nothing (progress lines would only clutter a log). Not on a
 * terminal of no width either (`script` without one): nanospinner divides by it.
 */
export function spinnerOn(stream: Streams['stderr'], text: string): Spinner | null {
  if (!stream.isTTY || !(stream.columns > 0)) return null;
  return createSpinner(text, { stream }).start();
}
