import type { ResolvedComputeSupport } from '@ucloud/contracts';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  collectParam,
  newestVersion,
  parametersOf,
  parseAppRef,
  parseProductRef,
  pickProduct,
  RunRequestError,
  type DeclaredParameter,
} from './run-request.js';

describe('run arguments', () => {
  it('reads APP[@VERSION] and PRODUCT[@PROVIDER]', () => {
    expect(parseAppRef('acme-batch')).toEqual({ name: 'acme-batch' });
    expect(parseAppRef('acme-batch@1.0.0')).toEqual({ name: 'acme-batch', version: '1.0.0' });
    expect(parseProductRef('cpu@example')).toEqual({ id: 'cpu', provider: 'example' });
    for (const text of ['', '@1', 'a@', 'a@b@c'])
      expect(() => parseAppRef(text), text).toThrow(InvalidArgumentError);
  });

  it('collects --param name=value in order, the value taking any further =', () => {
    expect(collectParam('b=x=y', collectParam('a=1'))).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
    ]);
    expect(collectParam('empty=')).toEqual([['empty', '']]);
    expect(() => collectParam('=x')).toThrow(InvalidArgumentError);
    expect(() => collectParam('novalue')).toThrow(InvalidArgumentError);
  });

  it('picks the newest version, comparing numbers as numbers', () => {
    expect(newestVersion(['1.9.0', '1.10.0', '1.2.0'])).toBe('1.10.0');
    expect(newestVersion([])).toBeUndefined();
  });
});

describe('parametersOf', () => {
  const declared: DeclaredParameter[] = [
    { name: 'value', type: 'text' },
    { name: 'steps', type: 'integer' },
    { name: 'ratio', type: 'floating_point' },
    { name: 'debug', type: 'boolean' },
    { name: 'mode', type: 'enumeration' },
    { name: 'input', type: 'input_file' },
    { name: 'server', type: 'peer' },
  ];

  it("converts each value to the parameter's type", () => {
    expect(
      parametersOf(
        declared,
        [
          ['value', 'hello'],
          ['steps', '3'],
          ['ratio', '0.5'],
          ['debug', 'yes'],
          ['mode', 'fast'],
          ['input', '/data/in.txt'],
          ['server', '12'],
        ],
        'acme',
      ),
    ).toEqual({
      value: { type: 'text', value: 'hello' },
      steps: { type: 'integer', value: 3 },
      ratio: { type: 'floating_point', value: 0.5 },
      debug: { type: 'boolean', value: true },
      mode: { type: 'text', value: 'fast' },
      input: { type: 'file', path: '/data/in.txt', readOnly: false },
      server: { type: 'peer', hostname: 'server', jobId: '12' },
    });
  });

  it('names the parameter and what it expected', () => {
    const refused = (name: string, value: string) => () =>
      parametersOf(declared, [[name, value]], 'acme@1');
    expect(refused('steps', '1.5')).toThrow('--param steps: expected a whole number, got "1.5"');
    expect(refused('ratio', 'x')).toThrow('--param ratio: expected a number');
    expect(refused('debug', 'maybe')).toThrow('--param debug: expected true or false');
    expect(refused('colour', 'red')).toThrow(
      '--param colour: acme@1 has no parameter colour (it has: value, steps, ratio, debug, mode, input, server)',
    );
    expect(refused('colour', 'red')).toThrow(RunRequestError);
  });
});

describe('pickProduct', () => {
  const offer = (name: string, provider: string) =>
    ({
      product: { name, category: { name: `${name}-category`, provider } },
      support: {},
    }) as unknown as ResolvedComputeSupport;
  const available = [offer('cpu', 'a'), offer('cpu', 'b'), offer('gpu', 'a')];

  it('finds the product, by provider where several offer it', () => {
    expect(pickProduct(available, { id: 'gpu' })).toEqual({
      id: 'gpu',
      category: 'gpu-category',
      provider: 'a',
    });
    expect(pickProduct(available, { id: 'cpu', provider: 'b' })).toMatchObject({ provider: 'b' });
  });

  it('says which there are when it cannot', () => {
    expect(() => pickProduct(available, { id: 'cpu' })).toThrow(
      '--product: cpu is offered by several providers: cpu@a, cpu@b; say which as cpu@PROVIDER',
    );
    expect(() => pickProduct(available, { id: 'tpu' })).toThrow(
      '--product: no product tpu (available: cpu@a, cpu@b, gpu@a)',
    );
  });
});
