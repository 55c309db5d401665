import DockerClient from 'dockerode';
import type Docker from 'dockerode';

/** dockerode's connection options for a DOCKER_HOST value (unix://path, tcp://host:port, or a path). */
export function engineOptions(dockerHost: string): Docker.DockerOptions {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('/')) return { socketPath: dockerHost };
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return {
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    host: url.hostname,
    port: url.port === '' ? 2375 : Number(url.port),
  };
}

/**
 * What the engine said, in plain words: dockerode wraps the engine's message as
 * "(HTTP code 500) server error - <message>"; the message is what the user needs.
 */
export function engineMessage(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const json = (err as { json?: unknown }).json;
    if (json !== null && typeof json === 'object') {
      const message = (json as { message?: unknown }).message;
      if (typeof message === 'string' && message !== '') return message.trim();
    }
  }
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}

/** The HTTP status of an engine error (404: no such container, image or network). */
export function engineStatus(err: unknown): number | null {
  if (err === null || typeof err !== 'object') return null;
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : null;
}

/** A dockerode client for a DOCKER_HOST value. */
export function connectEngine(dockerHost: string, timeoutMs?: number): Docker {
  return new DockerClient({ ...engineOptions(dockerHost), timeout: timeoutMs });
}
