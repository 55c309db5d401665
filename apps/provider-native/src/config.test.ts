import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults that run', () => {
    expect(loadConfig({})).toEqual({
      grpcAddress: '127.0.0.1:50051',
      dataDir: resolve('./data/provider-native'),
      providerId: 'example',
      products: [{ id: 'example-compute', category: 'example-compute', features: {} }],
      terminateGraceMs: 5000,
      logLevel: 'info',
      tls: null,
    });
  });

  it('reads products as JSON and numbers from strings', () => {
    const config = loadConfig({
      PRODUCTS:
        '[{"id":"big","category":"cpu","cpu":8,"memoryInGigs":32,"features":{"suspension":false}}]',
      TERMINATE_GRACE_MS: '100',
      PROVIDER_ID: 'k8',
    });
    expect(config.products).toEqual([
      { id: 'big', category: 'cpu', cpu: 8, memoryInGigs: 32, features: { suspension: false } },
    ]);
    expect(config.terminateGraceMs).toBe(100);
    expect(config.providerId).toBe('k8');
  });

  it('names what is wrong', () => {
    expect(() => loadConfig({ PRODUCTS: '[{' })).toThrow(/PRODUCTS.*not valid JSON/);
    expect(() => loadConfig({ PRODUCTS: '[{"id":"x"}]' })).toThrow(/PRODUCTS\.0\.category/);
    expect(() =>
      loadConfig({ PRODUCTS: '[{"id":"x","category":"a"},{"id":"x","category":"b"}]' }),
    ).toThrow(/PRODUCTS: product "x" is listed twice/);
    expect(() => loadConfig({ TERMINATE_GRACE_MS: 'soon' })).toThrow(/TERMINATE_GRACE_MS/);
  });
});
