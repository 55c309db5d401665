import { InvalidArgumentError } from '@ucloud/provider-sdk';

/** One word for a POSIX shell, taken literally: single quotes, and `'\''` for a quote inside. */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new InvalidArgumentError('a shell word cannot contain NUL');
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as one shell command line that `eval "set -- $line"` turns back into the same words. */
export function shellQuoteArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export NAME='value'` lines for a shell to source; names a shell cannot export are refused. */
export function shellExports(environment: Readonly<Record<string, string>>): string {
  return Object.entries(environment)
    .map(([name, value]) => {
      if (!ENV_NAME.test(name)) {
        throw new InvalidArgumentError(`'${name}' is not a valid environment variable name`);
      }
      return `export ${name}=${shellQuote(value)}\n`;
    })
    .join('');
}
