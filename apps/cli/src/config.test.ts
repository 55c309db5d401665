import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_URL,
  defaultConfigPath,
  readConfig,
  resolveConnection,
} from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'ucloud-config-test-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('the config file', () => {
  it('is UCLOUD_CONFIG, else under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(defaultConfigPath({ UCLOUD_CONFIG: '/etc/u.json', XDG_CONFIG_HOME: '/x' })).toBe(
      '/etc/u.json',
    );
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/ucloud/config.json');
    expect(defaultConfigPath({ HOME: '/home/ann' })).toMatch(/\/\.config\/ucloud\/config\.json$/);
  });

  it('reads url, token and project', () => {
    const path = file('ok.json', '{"url": "https://u.example", "token": "t", "project": "p"}');
    expect(readConfig(path, true)).toEqual({ url: 'https://u.example', token: 't', project: 'p' });
  });

  it('may be missing unless named; a bad one says what is wrong', () => {
    expect(readConfig(join(dir, 'none.json'), false)).toEqual({});
    expect(() => readConfig(join(dir, 'none.json'), true)).toThrow(ConfigError);
    expect(() => readConfig(file('bad.json', '{'), false)).toThrow(/not JSON/);
    expect(() => readConfig(file('array.json', '[]'), false)).toThrow(/expected a JSON object/);
    expect(() => readConfig(file('key.json', '{"tokn": "t"}'), false)).toThrow(/unknown key tokn/);
    expect(() => readConfig(file('type.json', '{"token": 1}'), false)).toThrow(
      /token must be a string/,
    );
  });
});

describe('resolveConnection', () => {
  const fromFile = { url: 'https://file', token: 'file-token', project: 'file-project' };

  it('takes flags and the environment (as commander merged them) before the file', () => {
    expect(resolveConnection({ token: 'flag-token' }, fromFile)).toEqual({
      url: 'https://file',
      token: 'flag-token',
      project: 'file-project',
    });
    expect(resolveConnection({}, fromFile)).toEqual(fromFile);
  });

  it('falls back to the default URL, and counts an empty value as none', () => {
    expect(resolveConnection({ url: '', project: '' }, {})).toEqual({
      url: DEFAULT_URL,
      token: undefined,
      project: undefined,
    });
  });
});
