import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('needs only the provider token; everything else has defaults that run', () => {
    expect(loadConfig({ PROVIDER_TOKEN: 'secret' })).toEqual({
      port: 8081,
      host: '127.0.0.1',
      providerId: 'example',
      providerToken: 'secret',
      orchestratorUrl: 'http://127.0.0.1:8080',
      plugins: [{ name: 'native', address: '127.0.0.1:50051' }],
      logLevel: 'info',
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
});
