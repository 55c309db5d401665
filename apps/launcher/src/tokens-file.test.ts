import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { launcherTokens } from './tokens-file.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-'));
  dirs.push(dir);
  return join(dir, 'data');
};

it('makes the tokens once, in a file only its owner reads, and finds them again', () => {
  const dir = dataDir();
  const first = launcherTokens(dir);
  expect(first.file).toBe(join(dir, 'tokens.env'));
  expect(statSync(first.file).mode & 0o777).toBe(0o600);
  expect(first.user).not.toBe(first.admin);
  expect(launcherTokens(dir)).toEqual(first);
});

it('makes new tokens when the file lacks one', () => {
  const dir = dataDir();
  const first = launcherTokens(dir);
  writeFileSync(first.file, `DEMO_TOKEN=${first.user}\n`);
  expect(launcherTokens(dir).user).not.toBe(first.user);
});
