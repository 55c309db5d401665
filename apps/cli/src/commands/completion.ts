import { Argument, type Command } from 'commander';
import omelette from 'omelette';

/** What omelette generates, which its type declarations leave out. */
interface CompletionScripts {
  generateCompletionCode(): string;
  generateCompletionCodeFish(): string;
}

/** The subcommands and options that may come next after `line` (what is typed so far). */
export function completionsFor(program: Command, line: string): string[] {
  // The program's name first, the word being completed (maybe empty) last.
  const words = line.split(/\s+/).slice(1, -1);
  let command = program;
  for (const word of words) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub) command = sub;
  }
  const options = command.options.flatMap((o) => (o.long ? [o.long] : []));
  return [...command.commands.map((c) => c.name()), ...options, '--help'];
}

/**
 * Shell completion through omelette: the shell runs the program with `--compgen …` and it
 * answers the words that may come next. Call before parsing: it exits after answering.
 */
export function answerCompletion(program: Command): void {
  const completion = omelette(program.name());
  completion.on('complete', (_fragment, { line, reply }) => {
    reply(completionsFor(program, line));
  });
  completion.init();
}

export function completionCommand(program: Command): void {
  program
    .command('completion')
    .description(
      `print the shell completion script: eval "$(${program.name()} completion)" in ~/.bashrc or ~/.zshrc`,
    )
    .addArgument(
      new Argument('[shell]', 'the shell').choices(['bash', 'zsh', 'fish']).default('bash'),
    )
    .action((shell: string) => {
      const scripts = omelette(program.name()) as unknown as CompletionScripts;
      const code =
        shell === 'fish' ? scripts.generateCompletionCodeFish() : scripts.generateCompletionCode();
      process.stdout.write(`${code}\n`);
    });
}
