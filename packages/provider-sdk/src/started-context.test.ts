import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type JobEventInput, type JournalEvent } from './backend.js';
import { StartedContext } from './started-context.js';

describe('StartedContext', () => {
  it('refuses to emit before start', () => {
    const started = new StartedContext('Test');
    expect(() => started.emit({ jobId: 'j', state: 'RUNNING' })).toThrow(
      'The Test backend has not been started',
    );
  });

  it('fails a job: FAILURE emitted with its status, the job marked ended', () => {
    const emitted: JobEventInput[] = [];
    const ended: string[] = [];
    const started = new StartedContext('Test');
    started.set({
      emit: (event) => {
        emitted.push(event);
        return event as JournalEvent;
      },
      emitMany: (many) => {
        emitted.push(...many);
        return many as JournalEvent[];
      },
      logger: pino({ level: 'silent' }),
    });
    started.fail('j', 'broken', { markEnded: (jobId) => ended.push(jobId) });
    expect(emitted).toEqual([{ jobId: 'j', state: 'FAILURE', status: 'broken' }]);
    expect(ended).toEqual(['j']);
  });
});
