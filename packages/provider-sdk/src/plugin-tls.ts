import { ServerCredentials } from '@grpc/grpc-js';
import {
  ConfigError as ConfigurationError,
  hostOf,
  isLoopbackHost,
  readSettingFile,
} from '@ucloud/contracts';
import { z } from 'zod';

/** The TLS settings every plugin has (see `pluginEnv`). */
export const PluginTlsEnv = {
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** Given: clients must present a certificate this CA signed (mutual TLS). */
  TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  /** Plaintext or TLS without client certificates off loopback. */
  ALLOW_PLAINTEXT: z.stringbool().default(false),
};

export interface PluginTlsValues {
  GRPC_ADDRESS: string;
  TLS_CERT_FILE?: string | undefined;
  TLS_KEY_FILE?: string | undefined;
  TLS_CLIENT_CA_FILE?: string | undefined;
  ALLOW_PLAINTEXT: boolean;
}

/** PEM files read at start: rotating a certificate takes a plugin restart. */
export interface PluginTls {
  cert: Buffer;
  key: Buffer;
  clientCa: Buffer | null;
}

/**
 * The plugin's TLS, null for plaintext. Off loopback the gateway must prove who it is: TLS with
 * client certificates is required unless ALLOW_PLAINTEXT.
 */
export function pluginTls(env: PluginTlsValues): PluginTls | null {
  if (!env.TLS_CERT_FILE !== !env.TLS_KEY_FILE)
    throw new ConfigurationError('TLS_CERT_FILE and TLS_KEY_FILE: set both or neither');
  if (env.TLS_CLIENT_CA_FILE && !env.TLS_CERT_FILE)
    throw new ConfigurationError('TLS_CLIENT_CA_FILE: needs TLS_CERT_FILE and TLS_KEY_FILE');
  if (!isLoopbackHost(hostOf(env.GRPC_ADDRESS)) && !env.TLS_CLIENT_CA_FILE && !env.ALLOW_PLAINTEXT)
    throw new ConfigurationError(
      `GRPC_ADDRESS: ${env.GRPC_ADDRESS} is off loopback: set TLS_CERT_FILE, TLS_KEY_FILE and ` +
        'TLS_CLIENT_CA_FILE (mutual TLS), or ALLOW_PLAINTEXT=true',
    );
  if (!env.TLS_CERT_FILE || !env.TLS_KEY_FILE) return null;
  return {
    cert: readSettingFile('TLS_CERT_FILE', env.TLS_CERT_FILE),
    key: readSettingFile('TLS_KEY_FILE', env.TLS_KEY_FILE),
    clientCa: env.TLS_CLIENT_CA_FILE
      ? readSettingFile('TLS_CLIENT_CA_FILE', env.TLS_CLIENT_CA_FILE)
      : null,
  };
}

/** gRPC server credentials for `tls`: with a client CA, client certificates are required and checked. */
export function serverCredentials(tls: PluginTls | null): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.clientCa,
    [{ cert_chain: tls.cert, private_key: tls.key }],
    tls.clientCa !== null,
  );
}
