import { execFileSync } from 'node:child_process';
import { InvalidArgumentError } from '@ucloud/provider-sdk';
import { describe, expect, it } from 'vitest';
import { shellExports, shellQuote, shellQuoteArgv } from './shell.js';

/** The words a POSIX shell gets back from a line the way the guest's /init reads it. */
function evalWords(line: string): string[] {
  const out = execFileSync('sh', ['-c', 'eval "set -- $1"; printf "%s\\0" "$@"', 'sh', line]);
  return out.toString().split('\0').slice(0, -1);
}

const awkward = [
  'plain',
  'two words',
  "it's",
  '$HOME `id` $(id) "dq" \\ ; | & > <',
  '',
  'line\nbreak',
  '*',
  "''",
];

describe('shellQuote', () => {
  it('wraps a word in single quotes and closes them around a quote', () => {
    expect(shellQuote('a b')).toBe(`'a b'`);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('gives back every word unexpanded through eval', () => {
    expect(evalWords(shellQuoteArgv(awkward))).toEqual(awkward);
  });

  it('refuses NUL, which no argv can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(InvalidArgumentError);
  });
});

describe('shellExports', () => {
  it('exports each variable with its value taken literally', () => {
    const text = shellExports({ A: "it's $HOME", B: 'x\ny' });
    expect(text).toBe(`export A='it'\\''s $HOME'\nexport B='x\ny'\n`);
    const out = execFileSync('sh', ['-c', `${text}printf '%s|%s' "$A" "$B"`]).toString();
    expect(out).toBe("it's $HOME|x\ny");
  });

  it('refuses names a shell cannot export', () => {
    expect(() => shellExports({ 'A-B': 'x' })).toThrow(InvalidArgumentError);
    expect(() => shellExports({ '1A': 'x' })).toThrow(/not a valid environment variable name/);
    expect(() => shellExports({ 'A;id': 'x' })).toThrow(InvalidArgumentError);
  });
});
