import { type Logger, pino } from 'pino';
import type { GatewayConfig, ServerTls } from '../config.js';
import { Gateway, type GatewayTuning } from '../gateway.js';
import type { FakePlugin } from './fake-plugin.js';

export const TOKEN = 'test-provider-token';
export const PROVIDER_ID = 'example';

/** Retries and batches shortened so failure paths run in milliseconds. */
export const FAST_TUNING: Partial<GatewayTuning> = {
  backoff: { initialMs: 5, maxMs: 40 },
  lingerMs: 5,
  pluginCallTimeoutMs: 2_000,
  orchestratorTimeoutMs: 2_000,
  shutdownGraceMs: 50,
};

export interface RunningGateway {
  gateway: Gateway;
  url: string;
  /** Calls the gateway with the provider token (or `token`), sending `body` as JSON. */
  call(
    path: string,
    body?: unknown,
    options?: { token?: string; method?: string; signal?: AbortSignal },
  ): Promise<Response>;
  stop(): Promise<void>;
}

export async function startGateway(
  plugins: Array<FakePlugin | { name: string; address: string }>,
  orchestratorUrl: string,
  tuning: Partial<GatewayTuning> = {},
  logger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  tls: ServerTls | null = null,
): Promise<RunningGateway> {
  const config: GatewayConfig = {
    port: 0,
    host: '127.0.0.1',
    providerId: PROVIDER_ID,
    providerToken: () => TOKEN,
    orchestratorUrl,
    orchestratorCa: null,
    tls,
    publicUrl: undefined,
    plugins: plugins.map((p) => ({ name: p.name, address: p.address })),
    logLevel: 'silent',
  };
  const gateway = new Gateway(config, { logger, tuning: { ...FAST_TUNING, ...tuning } });
  const url = await gateway.start();
  return {
    gateway,
    url,
    call: (path, body, options = {}) =>
      fetch(`${url}${path}`, {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${options.token ?? TOKEN}`,
          'content-type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: options.signal,
      }),
    stop: () => gateway.stop(),
  };
}

/** Polls until `check` returns true; fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
