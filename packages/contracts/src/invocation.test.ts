import { describe, expect, it } from 'vitest';
import { Application, type AppParameterValue } from './applications.js';
import { ApiError } from './errors.js';
import { renderInvocation, validateParameters } from './invocation.js';

/** An application with the given template and parameters; everything else takes its defaults. */
function app(
  invocation: unknown[],
  parameters: unknown[] = [],
  environment?: unknown,
): Application {
  return Application.parse({
    metadata: { name: 'acme', version: '1.0.0' },
    invocation: {
      tool: { name: 'acme-tool', version: '1.0.0' },
      invocation,
      parameters,
      environment: environment ?? null,
    },
  });
}

const text = (value: string): AppParameterValue => ({ type: 'text', value });
const int = (value: number): AppParameterValue => ({ type: 'integer', value });
const bool = (value: boolean): AppParameterValue => ({ type: 'boolean', value });

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe('BAD_REQUEST');
    return (e as ApiError).message;
  }
  throw new Error('expected a BAD_REQUEST');
}

describe('renderInvocation', () => {
  it('renders the spec example: a word and a text variable', () => {
    const a = app(
      [
        { type: 'word', word: 'batch' },
        { type: 'var', variableNames: ['var'] },
      ],
      [{ type: 'text', name: 'var' }],
    );
    expect(renderInvocation(a, { var: text('Example') })).toEqual({
      argv: ['batch', 'Example'],
      environment: {},
    });
  });

  it('puts prefixes and suffixes in their own words unless they are part of the argument', () => {
    const params = [
      { type: 'integer', name: 'n' },
      { type: 'text', name: 'name' },
    ];
    const separate = app(
      [{ type: 'var', variableNames: ['n'], prefixVariable: '--count ', suffixVariable: ' x' }],
      params,
    );
    expect(renderInvocation(separate, { n: int(4) }).argv).toEqual(['--count', '4', 'x']);

    const glued = app(
      [
        {
          type: 'var',
          variableNames: ['n', 'name'],
          prefixGlobal: 'run',
          suffixGlobal: '--',
          prefixVariable: '--opt=',
          suffixVariable: ';',
          isPrefixVariablePartOfArg: true,
          isSuffixVariablePartOfArg: true,
        },
      ],
      params,
    );
    expect(renderInvocation(glued, { n: int(4), name: text('a b') }).argv).toEqual([
      'run',
      '--opt=4;',
      '--opt=a b;',
      '--',
    ]);
  });

  it('renders nothing for a variable group when no variable has a value, global prefix included', () => {
    const a = app(
      [
        { type: 'word', word: 'cmd' },
        { type: 'var', variableNames: ['opt'], prefixGlobal: '--flags', suffixGlobal: 'end' },
      ],
      [{ type: 'text', name: 'opt', optional: true }],
    );
    expect(renderInvocation(a, {}).argv).toEqual(['cmd']);
  });

  it('renders a bool_flag only when the boolean is true, and booleans in variables by true/falseValue', () => {
    const a = app(
      [
        { type: 'bool_flag', variableName: 'debug', flag: '--debug' },
        { type: 'var', variableNames: ['debug'], prefixVariable: '-v' },
      ],
      [{ type: 'boolean', name: 'debug', trueValue: 'yes', falseValue: 'no' }],
    );
    expect(renderInvocation(a, { debug: bool(true) }).argv).toEqual(['--debug', '-v', 'yes']);
    expect(renderInvocation(a, { debug: bool(false) }).argv).toEqual(['-v', 'no']);
  });

  it('renders each value type: file path, peer hostname, ids, enumeration value, numbers', () => {
    const a = app(
      [
        {
          type: 'var',
          variableNames: ['in', 'peer', 'lic', 'net', 'web', 'mode', 'f'],
        },
      ],
      [
        { type: 'input_file', name: 'in' },
        { type: 'peer', name: 'peer' },
        { type: 'license_server', name: 'lic' },
        { type: 'network_ip', name: 'net' },
        { type: 'ingress', name: 'web' },
        {
          type: 'enumeration',
          name: 'mode',
          options: [{ name: 'Fast', value: 'fast' }],
        },
        { type: 'floating_point', name: 'f' },
      ],
    );
    const rendered = renderInvocation(a, {
      in: { type: 'file', path: '/123/data.csv', readOnly: true },
      peer: { type: 'peer', hostname: 'database', jobId: '4101' },
      lic: { type: 'license_server', id: '56231' },
      net: { type: 'network', id: 'ip-1' },
      web: { type: 'ingress', id: 'ing-1' },
      mode: text('fast'),
      f: { type: 'floating_point', value: 0.5 },
    });
    expect(rendered.argv).toEqual([
      '/123/data.csv',
      'database',
      '56231',
      'ip-1',
      'ing-1',
      'fast',
      '0.5',
    ]);
  });

  it('falls back to defaults given raw, as { value } or as an AppParameterValue', () => {
    const a = app(
      [{ type: 'var', variableNames: ['a', 'b', 'c', 'd'], prefixVariable: '-' }],
      [
        { type: 'integer', name: 'a', optional: true, defaultValue: 10 },
        { type: 'text', name: 'b', optional: true, defaultValue: { value: 'bee' } },
        {
          type: 'boolean',
          name: 'c',
          optional: true,
          defaultValue: { type: 'boolean', value: true },
        },
        { type: 'text', name: 'd', optional: true },
      ],
    );
    expect(renderInvocation(a, { a: int(3) }).argv).toEqual(['-', '3', '-', 'bee', '-', 'true']);
  });

  it('renders the application environment and lets env parameters read the job environment', () => {
    const a = app(
      [
        { type: 'word', word: 'open' },
        { type: 'env', variable: 'UCLOUD_OPEN_WITH_FILE' },
        { type: 'env', variable: 'GREETING' },
        { type: 'env', variable: 'UNSET' },
      ],
      [{ type: 'text', name: 'who' }],
      {
        GREETING: {
          type: 'var',
          variableNames: ['who'],
          prefixVariable: 'hello ',
          isPrefixVariablePartOfArg: true,
        },
        EMPTY: { type: 'var', variableNames: ['nobody'] },
      },
    );
    const rendered = renderInvocation(
      a,
      { who: text('world') },
      { environment: { UCLOUD_OPEN_WITH_FILE: '/home/f.txt' } },
    );
    expect(rendered).toEqual({
      argv: ['open', '/home/f.txt', 'hello world'],
      environment: { UCLOUD_OPEN_WITH_FILE: '/home/f.txt', GREETING: 'hello world' },
    });
  });
});

describe('validateParameters', () => {
  const a = app(
    [{ type: 'var', variableNames: ['count', 'ratio', 'mode', 'name', 'opt'] }],
    [
      { type: 'integer', name: 'count', min: 1, max: 10 },
      { type: 'floating_point', name: 'ratio', optional: true, min: 0, max: 1 },
      {
        type: 'enumeration',
        name: 'mode',
        optional: true,
        options: [
          { name: 'Fast', value: 'fast' },
          { name: 'Slow', value: 'slow' },
        ],
      },
      { type: 'text', name: 'name', defaultValue: 'anon' },
      { type: 'text', name: 'opt', optional: true },
    ],
  );

  it('accepts valid parameters, with required ones covered by defaults', () => {
    expect(() =>
      validateParameters(a, { count: int(5), ratio: int(1), mode: text('slow') }, [
        { type: 'file', path: '/1/shared', readOnly: false },
        { type: 'peer', hostname: 'db', jobId: '1' },
      ]),
    ).not.toThrow();
  });

  it('rejects unknown parameters by name', () => {
    expect(
      badRequestMessage(() => validateParameters(a, { count: int(1), cnt: int(1) }, null)),
    ).toMatch(/^parameters\.cnt: unknown parameter/);
  });

  it('rejects a missing required parameter', () => {
    expect(badRequestMessage(() => validateParameters(a, {}, null))).toBe(
      'parameters.count: a value is required',
    );
  });

  it('rejects values of the wrong type', () => {
    expect(badRequestMessage(() => validateParameters(a, { count: text('5') }, null))).toBe(
      'parameters.count: expected a value of type integer, got text',
    );
  });

  it('rejects numbers outside min/max', () => {
    expect(badRequestMessage(() => validateParameters(a, { count: int(11) }, null))).toBe(
      'parameters.count: must be at most 10',
    );
    expect(
      badRequestMessage(() =>
        validateParameters(
          a,
          { count: int(1), ratio: { type: 'floating_point', value: -0.1 } },
          null,
        ),
      ),
    ).toBe('parameters.ratio: must be at least 0');
  });

  it('rejects enumeration values that are not among the options', () => {
    expect(
      badRequestMessage(() => validateParameters(a, { count: int(1), mode: text('medium') }, null)),
    ).toBe('parameters.mode: "medium" is not one of: fast, slow');
  });

  it('rejects resources that cannot be attached', () => {
    expect(
      badRequestMessage(() =>
        validateParameters(a, { count: int(1) }, [{ type: 'license_server', id: '1' }]),
      ),
    ).toMatch(/^resources\[0\]: a license_server cannot be attached/);
  });

  it('rejects a default value that does not fit its parameter', () => {
    const broken = app([], [{ type: 'integer', name: 'n', defaultValue: 'ten' }]);
    expect(badRequestMessage(() => validateParameters(broken, {}, null))).toMatch(
      /^parameters\.n: the application's default value "ten" does not fit/,
    );
  });
});
