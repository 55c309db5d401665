import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseEnv } from './config.js';

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  TOKEN: z.string({ error: 'is required' }),
  PRODUCTS: z
    .string()
    .default('[]')
    .transform((text) => JSON.parse(text) as unknown)
    .pipe(z.array(z.object({ id: z.string() }))),
});

describe('parseEnv', () => {
  it('returns the parsed configuration, with defaults', () => {
    expect(parseEnv(Env, { TOKEN: 't', PORT: '9000' }, 'test')).toEqual({
      PORT: 9000,
      TOKEN: 't',
      PRODUCTS: [],
    });
  });

  it('treats empty variables as unset', () => {
    expect(parseEnv(Env, { TOKEN: 't', PORT: '', PRODUCTS: '' })).toMatchObject({
      PORT: 8080,
      PRODUCTS: [],
    });
    expect(() => parseEnv(Env, { TOKEN: '' })).toThrow(/TOKEN: is required/);
  });

  it('names every bad variable, and the app, in a ConfigError', () => {
    let error: unknown;
    try {
      parseEnv(Env, { PORT: 'eighty', PRODUCTS: '[{"id":1}]' }, 'gateway');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, problems, name } = error as ConfigError;
    expect(name).toBe('ConfigError');
    expect(problems).toEqual([
      'PORT: Invalid input: expected number, received NaN',
      'TOKEN: is required',
      'PRODUCTS.0.id: Invalid input: expected string, received number',
    ]);
    expect(message).toBe(`Invalid gateway configuration: ${problems.join('; ')}`);
  });
});

describe('ConfigError', () => {
  it('states one problem found after parsing, with or without an app name', () => {
    expect(new ConfigError('JOBS_DIR (/a b) must not contain spaces').message).toBe(
      'Invalid configuration: JOBS_DIR (/a b) must not contain spaces',
    );
    expect(new ConfigError(['A: x', 'B: y'], 'orchestrator').message).toBe(
      'Invalid orchestrator configuration: A: x; B: y',
    );
  });
});
