import { makeTestPki, type TestPki } from '@ucloud/contracts/testing/pki';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_RECHECK_MS } from '@ucloud/contracts';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from './config.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

describe('plaintext off loopback', () => {
  it('is refused for the listener and for gateways, naming each, unless ALLOW_PLAINTEXT', () => {
    const env = { HOST: '0.0.0.0', PROVIDERS: 'hpc=http://10.0.0.5:8081=secret' };
    expect(() => loadConfig(env)).toThrow(
      /HOST 0\.0\.0\.0 without TLS_CERT_FILE[\s\S]*provider hpc at http:\/\/10\.0\.0\.5:8081 is not https/,
    );
    expect(loadConfig({ ...env, ALLOW_PLAINTEXT: 'true' }).host).toBe('0.0.0.0');
  });

  it('is allowed on loopback, and HTTPS with a certificate is allowed anywhere', () => {
    expect(loadConfig({ PROVIDERS: 'a=http://localhost:8081=t' }).tls).toBeNull();
    const config = loadConfig({
      HOST: '0.0.0.0',
      TLS_CERT_FILE: join(pki.dir, 'server.crt'),
      TLS_KEY_FILE: join(pki.dir, 'server.key'),
      PROVIDERS: 'hpc=https://gw.example.org:8443=secret',
      GATEWAY_CA_FILE: join(pki.dir, 'ca.crt'),
    });
    expect(config.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(config.gatewayCa?.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('needs both halves of the certificate, and says which file cannot be read', () => {
    expect(() => loadConfig({ TLS_CERT_FILE: join(pki.dir, 'server.crt') })).toThrow(
      'TLS_CERT_FILE and TLS_KEY_FILE: set both or neither',
    );
    expect(() => loadConfig({ GATEWAY_CA_FILE: '/nonexistent/ca.crt' })).toThrow(
      /GATEWAY_CA_FILE: cannot read \/nonexistent\/ca\.crt/,
    );
  });
});

describe('a gateway token kept in a file', () => {
  it('is read from the file and again once the file is rewritten', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const dir = mkdtempSync(join(tmpdir(), 'ucloud-token-'));
    const file = join(dir, 'hpc.token');
    writeFileSync(file, 'first-secret\n');
    const [provider] = loadConfig({ PROVIDERS: `hpc=http://127.0.0.1:8081=@${file}` }).providers;
    expect(provider?.token()).toBe('first-secret');
    writeFileSync(file, 'second-secret, rotated\n');
    // Checked again at most once a second.
    expect(provider?.token()).toBe('first-secret');
    vi.setSystemTime(Date.now() + SECRET_RECHECK_MS);
    expect(provider?.token()).toBe('second-secret, rotated');
  });

  it('that is missing or empty is a configuration error naming the provider', () => {
    expect(() => loadConfig({ PROVIDERS: 'hpc=http://127.0.0.1:8081=@/nonexistent' })).toThrow(
      /PROVIDERS \(hpc\): cannot read \/nonexistent/,
    );
  });
});

afterEach(() => {
  vi.useRealTimers();
});
