import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('the VM plugin configuration', () => {
  it('runs with defaults and reads its QEMU, image and timing settings', () => {
    const defaults = loadConfig({});
    expect(defaults.products.map((p) => p.id)).toEqual(['vm-cpu']);
    expect(defaults.accel).toBe('auto');
    expect(defaults.jobsDir).toBe(`${defaults.dataDir}/jobs`);
    const c = loadConfig({
      ACCEL: 'tcg',
      IMAGE_DIR: '/images',
      QEMU_BINARY: '/opt/qemu',
      TERMINATE_GRACE_MS: '500',
      PRODUCTS: '[{"id":"v","category":"v","cpu":2,"memoryInGigs":0.5}]',
    });
    expect(c).toMatchObject({
      accel: 'tcg',
      imageDir: '/images',
      qemuBinary: '/opt/qemu',
      terminateGraceMs: 500,
    });
    expect(c.products[0]).toMatchObject({ cpu: 2, memoryInGigs: 0.5 });
  });

  it('refuses an accelerator it does not know', () => {
    expect(() => loadConfig({ ACCEL: 'hvf' })).toThrow(/ACCEL/);
  });
});
