import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';

describe('METRICS_PORT and METRICS_HOST', () => {
  it('serve nothing unless METRICS_PORT is set, on loopback by default', () => {
    expect(loadConfig({}).metrics).toBeNull();
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({
      host: '127.0.0.1',
      port: 9464,
    });
  });

  it('refuse plaintext off loopback unless ALLOW_PLAINTEXT, as the other listeners do', () => {
    const env = { METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' };
    expect(() => loadConfig(env)).toThrow(
      'plaintext off loopback: METRICS_HOST 10.0.0.5 without TLS_CERT_FILE (set ALLOW_PLAINTEXT=true to allow)',
    );
    expect(loadConfig({ ...env, ALLOW_PLAINTEXT: 'true' }).metrics?.host).toBe('10.0.0.5');
    // Without METRICS_PORT the host is not used, so it is not refused.
    expect(loadConfig({ METRICS_HOST: '10.0.0.5' }).metrics).toBeNull();
  });
});
