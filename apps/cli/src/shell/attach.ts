import type { ShellConnection, ShellEnd } from './connection.js';

/**
 * Joins a shell session to this process's terminal: keys go to the shell as typed (raw mode, so
 * Ctrl-C reaches the job's shell, not this process), its output to stdout, and a resized window
 * resizes it. Without a TTY, stdin is passed on as it comes (`echo ls | ucloud shell 12`).
 */
export async function attachTerminal(
  shell: ShellConnection,
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
): Promise<ShellEnd> {
  const raw = stdin.isTTY && typeof stdin.setRawMode === 'function';
  if (raw) stdin.setRawMode(true);
  const onInput = (chunk: Buffer | string) => {
    shell.input(chunk.toString());
  };
  const onResize = () => {
    shell.resize(stdout.columns, stdout.rows);
  };
  stdin.on('data', onInput);
  stdout.on('resize', onResize);
  shell.onData((data) => stdout.write(data));
  try {
    return await shell.ended;
  } finally {
    stdin.off('data', onInput);
    stdout.off('resize', onResize);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  }
}
