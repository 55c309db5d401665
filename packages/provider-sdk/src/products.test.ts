import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnv, pluginConfig, pluginEnv, readPluginEnv } from './plugin-config.js';
import { describeProducts, ProductBase, productFeatures } from './products.js';

describe('describeProducts', () => {
  const offered = { timeExtension: true, suspension: false, web: true };

  it('declares the offered features in the block of the backend, a product turning them off or on', () => {
    const [plain, tuned] = describeProducts(
      [
        { id: 'a', category: 'cpu' },
        {
          id: 'b',
          category: 'cpu',
          features: { timeExtension: false, suspension: true, vnc: true },
        },
      ],
      'NATIVE',
      { providerId: 'p', offered },
    );
    expect(plain).toEqual({
      productId: 'a',
      category: 'cpu',
      support: {
        product: { id: 'a', category: 'cpu', provider: 'p' },
        docker: null,
        virtualMachine: null,
        native: {
          enabled: true,
          logs: true,
          vnc: false,
          terminal: false,
          timeExtension: true,
          utilization: false,
          web: true,
          suspension: false,
        },
      },
    });
    // vnc is not offered at all: a product cannot turn it on.
    expect(tuned?.support.native).toMatchObject({
      timeExtension: false,
      suspension: true,
      vnc: false,
    });
  });

  it('fills the DOCKER and VIRTUAL_MACHINE blocks with the fields the spec gives them', () => {
    const [docker] = describeProducts([{ id: 'a', category: 'c' }], 'DOCKER', {
      providerId: 'p',
      offered: { peers: true, terminal: true },
    });
    expect(docker?.support).toMatchObject({ native: null, virtualMachine: null });
    expect(docker?.support.docker).toEqual({
      enabled: true,
      logs: true,
      vnc: false,
      terminal: true,
      timeExtension: false,
      utilization: false,
      web: false,
      peers: true,
    });
    const [vm] = describeProducts([{ id: 'a', category: 'c' }], 'VIRTUAL_MACHINE', {
      providerId: 'p',
      offered: { suspension: true },
    });
    expect(vm?.support.virtualMachine).toMatchObject({ enabled: true, suspension: true });
    expect(vm?.support).toMatchObject({ native: null, docker: null });
  });

  it('answers a product’s features', () => {
    expect(productFeatures({ features: { web: false } }, offered)).toMatchObject({
      timeExtension: true,
      web: false,
      suspension: false,
    });
  });
});

describe('pluginEnv', () => {
  const Env = pluginEnv({
    grpcAddress: '127.0.0.1:1',
    dataDir: './data/x',
    product: ProductBase,
    products: [{ id: 'x', category: 'x' }],
  });

  it('has defaults that run', () => {
    expect(pluginConfig(parseEnv(Env, {}))).toEqual({
      grpcAddress: '127.0.0.1:1',
      dataDir: resolve('./data/x'),
      providerId: 'example',
      products: [{ id: 'x', category: 'x', features: {} }],
      logLevel: 'info',
      tls: null,
    });
  });

  it("reads the common settings and the plugin's own in one", () => {
    const { common, settings } = readPluginEnv(Env.extend({ OWN: z.string() }), {
      OWN: 'x',
      DATA_DIR: '/d',
    });
    expect(common).toEqual(pluginConfig(settings));
    expect(common.dataDir).toBe('/d');
    expect(settings.OWN).toBe('x');
  });

  it('names a feature it does not know', () => {
    expect(() =>
      parseEnv(Env, { PRODUCTS: '[{"id":"x","category":"x","features":{"suspention":true}}]' }),
    ).toThrow(/PRODUCTS\.0\.features/);
  });
});
