import { describe, expect, it } from 'vitest';
import { engineMessage, engineOptions, engineStatus } from './engine.js';

describe('the engine connection', () => {
  it('reads DOCKER_HOST as the docker CLI does', () => {
    expect(engineOptions('unix:///run/podman.sock')).toEqual({ socketPath: '/run/podman.sock' });
    expect(engineOptions('tcp://10.0.0.2:2376')).toEqual({
      protocol: 'http',
      host: '10.0.0.2',
      port: 2376,
    });
  });

  it("gives the engine's own message without dockerode's HTTP wrapping", () => {
    const err = Object.assign(new Error('(HTTP code 404) no such image - no such image: x'), {
      statusCode: 404,
      json: { message: 'no such image: x' },
    });
    expect(engineMessage(err)).toBe('no such image: x');
    expect(engineStatus(err)).toBe(404);
    expect(engineMessage(new Error('(HTTP code 500) server error - pull failed'))).toBe(
      'pull failed',
    );
  });
});
