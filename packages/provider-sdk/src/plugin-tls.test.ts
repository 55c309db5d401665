import { describe, expect, it } from 'vitest';
import { pluginTls } from './plugin-tls.js';

describe('pluginTls', () => {
  it('serves plaintext on loopback with no settings', () => {
    expect(pluginTls({ GRPC_ADDRESS: '127.0.0.1:50051', ALLOW_PLAINTEXT: false })).toBeNull();
    expect(pluginTls({ GRPC_ADDRESS: '[::1]:50051', ALLOW_PLAINTEXT: false })).toBeNull();
  });

  it('refuses an address off loopback without mutual TLS, unless ALLOW_PLAINTEXT', () => {
    expect(() => pluginTls({ GRPC_ADDRESS: '0.0.0.0:50051', ALLOW_PLAINTEXT: false })).toThrow(
      /GRPC_ADDRESS: 0.0.0.0:50051 is off loopback/,
    );
    expect(pluginTls({ GRPC_ADDRESS: '0.0.0.0:50051', ALLOW_PLAINTEXT: true })).toBeNull();
  });

  it('names a half-given pair and a file it cannot read', () => {
    const base = { GRPC_ADDRESS: '127.0.0.1:1', ALLOW_PLAINTEXT: false };
    expect(() => pluginTls({ ...base, TLS_CERT_FILE: 'c' })).toThrow(/set both or neither/);
    expect(() => pluginTls({ ...base, TLS_CERT_FILE: '/nope.crt', TLS_KEY_FILE: 'k' })).toThrow(
      /TLS_CERT_FILE: cannot read \/nope.crt/,
    );
  });
});
