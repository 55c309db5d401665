import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('the Docker plugin configuration', () => {
  it('runs with defaults and reads KEEP_CONTAINERS and PRODUCTS', () => {
    const defaults = loadConfig({});
    expect(defaults.products.map((p) => p.id)).toEqual(['docker-cpu']);
    expect(defaults.keepContainers).toBe(false);
    expect(defaults.jobsDir).toBe(`${defaults.dataDir}/jobs`);
    const c = loadConfig({
      KEEP_CONTAINERS: 'true',
      DOCKER_HOST: 'unix:///tmp/p.sock',
      PRODUCTS: '[{"id":"d","category":"d","features":{"suspension":false}}]',
    });
    expect(c.keepContainers).toBe(true);
    expect(c.dockerHost).toBe('unix:///tmp/p.sock');
    expect(c.products[0]?.features).toEqual({ suspension: false });
  });
});
