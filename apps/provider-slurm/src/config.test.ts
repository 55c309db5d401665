import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults that run', () => {
    expect(loadConfig({})).toEqual({
      grpcAddress: '127.0.0.1:50052',
      dataDir: resolve('./data/provider-slurm'),
      jobsDir: resolve('./data/provider-slurm/jobs'),
      providerId: 'example',
      products: [
        {
          id: 'slurm-cpu',
          category: 'slurm-cpu',
          placement: 'node-per-rank',
          features: {},
        },
      ],
      pollIntervalMs: 1000,
      commandTimeoutMs: 30_000,
      logLevel: 'info',
      tls: null,
    });
  });

  it('reads products mapped to partitions, QoS and accounts', () => {
    const config = loadConfig({
      PRODUCTS: JSON.stringify([
        { id: 'big', category: 'hpc', partition: 'long', qos: 'normal', account: 'p1', cpu: 32 },
        {
          id: 'small',
          category: 'hpc',
          placement: 'packed',
          suspension: true,
          features: { timeExtension: false },
        },
      ]),
      JOBS_DIR: '/shared/ucloud-jobs',
      POLL_INTERVAL_MS: '250',
    });
    expect(config.products).toEqual([
      {
        id: 'big',
        category: 'hpc',
        partition: 'long',
        qos: 'normal',
        account: 'p1',
        cpu: 32,
        placement: 'node-per-rank',
        features: {},
      },
      {
        id: 'small',
        category: 'hpc',
        placement: 'packed',
        features: { suspension: true, timeExtension: false },
      },
    ]);
    expect(config.jobsDir).toBe('/shared/ucloud-jobs');
    expect(config.pollIntervalMs).toBe(250);
  });

  it('names what is wrong', () => {
    expect(() => loadConfig({ PRODUCTS: '[{' })).toThrow(/PRODUCTS.*not valid JSON/);
    expect(() => loadConfig({ PRODUCTS: '[{"id":"x","category":"x","partition":"a b"}]' })).toThrow(
      /PRODUCTS\.0\.partition/,
    );
    expect(() =>
      loadConfig({ PRODUCTS: '[{"id":"x","category":"x"},{"id":"x","category":"y"}]' }),
    ).toThrow(/"x" is listed twice/);
    expect(() => loadConfig({ JOBS_DIR: '/srv/my jobs' })).toThrow(/JOBS_DIR/);
    expect(() => loadConfig({ DATA_DIR: '/srv/100%' })).toThrow(/JOBS_DIR/);
    expect(() => loadConfig({ POLL_INTERVAL_MS: 'often' })).toThrow(/POLL_INTERVAL_MS/);
  });
});
