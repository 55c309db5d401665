import { describe, expect, it } from 'vitest';
import { createUserProgram } from '../user-program.js';
import { completionsFor } from './completion.js';

describe('completionsFor', () => {
  const program = createUserProgram();

  it('offers the commands, then their subcommands and options', () => {
    expect(completionsFor(program, 'ucloud ')).toEqual(
      expect.arrayContaining(['run', 'ls', 'follow', 'shell', 'admin', '--token', '--help']),
    );
    expect(completionsFor(program, 'ucloud admin wal')).toEqual(
      expect.arrayContaining(['wallets', 'allocations']),
    );
    expect(completionsFor(program, 'ucloud run acme --')).toEqual(
      expect.arrayContaining(['--product', '--param', '--follow', '--json']),
    );
  });
});
