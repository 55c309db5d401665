import type { Command } from 'commander';

/** Prints a command's answer: as JSON with --json, otherwise as `human` renders it. */
export function emit<T>(command: Command, answer: T, human: (answer: T) => string): void {
  const text = command.opts<{ json?: boolean }>().json
    ? JSON.stringify(answer, null, 2)
    : human(answer);
  process.stdout.write(`${text}\n`);
}
