import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_RECHECK_MS } from '@ucloud/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('needs only the provider token; everything else has defaults that run', () => {
    const config = loadConfig({ PROVIDER_TOKEN: 'secret' });
    expect(config.providerToken()).toBe('secret');
    expect(config).toEqual({
      port: 8081,
      host: '127.0.0.1',
      providerId: 'example',
      providerToken: expect.any(Function),
      orchestratorUrl: 'http://127.0.0.1:8080',
      orchestratorCa: null,
      tls: null,
      plugins: [{ name: 'native', address: '127.0.0.1:50051' }],
      logLevel: 'info',
      metrics: null,
    });
  });

  it('reads every variable, treating empty ones as unset', () => {
    const config = loadConfig({
      PROVIDER_TOKEN: 'secret',
      PORT: '9000',
      HOST: '',
      PROVIDER_ID: 'hippo',
      ORCHESTRATOR_URL: 'https://core.example.org/',
      PLUGINS: 'native=127.0.0.1:50051, slurm=slurm-head:50052,vm=[::1]:50053',
      LOG_LEVEL: 'debug',
      ALLOW_PLAINTEXT: 'true',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      providerId: 'hippo',
      orchestratorUrl: 'https://core.example.org',
      logLevel: 'debug',
      plugins: [
        { name: 'native', address: '127.0.0.1:50051' },
        { name: 'slurm', address: 'slurm-head:50052' },
        { name: 'vm', address: '[::1]:50053' },
      ],
    });
  });

  it('names each bad variable', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/PROVIDER_TOKEN: is required/);
    expect(() => loadConfig({ PROVIDER_TOKEN: 's', TLS_CERT_FILE: 'c' })).toThrow(
      /TLS_CERT_FILE and TLS_KEY_FILE: set both or neither/,
    );
    expect(() => loadConfig({ PROVIDER_TOKEN: 's', ORCHESTRATOR_CA_FILE: '/nope' })).toThrow(
      /ORCHESTRATOR_CA_FILE: cannot read \/nope/,
    );
    expect(() => loadConfig({ PROVIDER_TOKEN: 's', PLUGINS: 'native' })).toThrow(
      /PLUGINS: "native" is not of the form name=host:port/,
    );
    expect(() => loadConfig({ PROVIDER_TOKEN: 's', PLUGINS: 'a=h:1,a=h:2' })).toThrow(
      /PLUGINS: plugin "a" is listed twice/,
    );
    expect(() => loadConfig({ PROVIDER_TOKEN: 's', PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ PROVIDER_TOKEN: 's', ORCHESTRATOR_URL: 'ftp://x' })).toThrow(
      /ORCHESTRATOR_URL: must be an http\(s\) URL/,
    );
  });

  it('refuses plaintext off loopback unless ALLOW_PLAINTEXT', () => {
    const offLoopback = {
      PROVIDER_TOKEN: 's',
      HOST: '0.0.0.0',
      ORCHESTRATOR_URL: 'http://core.example.org',
    };
    expect(() => loadConfig(offLoopback)).toThrow(
      /HOST 0.0.0.0 without TLS_CERT_FILE.*ORCHESTRATOR_URL http:\/\/core.example.org is not https/,
    );
    expect(loadConfig({ ...offLoopback, ALLOW_PLAINTEXT: 'true' }).host).toBe('0.0.0.0');
  });

  it('serves metrics only with METRICS_PORT, on loopback unless told, plaintext elsewhere refused', () => {
    const env = { PROVIDER_TOKEN: 's', METRICS_PORT: '9465' };
    expect(loadConfig(env).metrics).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(() => loadConfig({ ...env, METRICS_HOST: '10.0.0.5' })).toThrow(
      'plaintext off loopback: METRICS_HOST 10.0.0.5 without TLS_CERT_FILE (set ALLOW_PLAINTEXT=true to allow)',
    );
    const allowed = { ...env, METRICS_HOST: '10.0.0.5', ALLOW_PLAINTEXT: 'true' };
    expect(loadConfig(allowed).metrics?.host).toBe('10.0.0.5');
  });

  it('reads PROVIDER_TOKEN_FILE again when it changes', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const path = join(mkdtempSync(join(tmpdir(), 'gw-token-')), 'token');
    writeFileSync(path, 'first\n');
    const token = loadConfig({ PROVIDER_TOKEN_FILE: path }).providerToken;
    expect(token()).toBe('first');
    writeFileSync(path, 'second-token\n');
    // Checked again at most once a second.
    expect(token()).toBe('first');
    vi.setSystemTime(Date.now() + SECRET_RECHECK_MS);
    expect(token()).toBe('second-token');
  });
});

afterEach(() => {
  vi.useRealTimers();
});
