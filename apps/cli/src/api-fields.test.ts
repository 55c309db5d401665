import { describe, expect, it } from 'vitest';
import { inFlagTerms } from './api-fields.js';

describe('inFlagTerms', () => {
  it('names the flag or argument behind an item field', () => {
    expect(inFlagTerms('items[0].quota: must be a whole number')).toBe(
      '--quota: must be a whole number',
    );
    expect(inFlagTerms('items[0].owner.username: no user named carol')).toBe(
      '--user: no user named carol',
    );
    expect(inFlagTerms('items[0].role: Invalid option: expected one of "USER"|"ADMIN"')).toBe(
      '--role: Invalid option: expected one of "USER"|"ADMIN"',
    );
    expect(inFlagTerms('items[0].username: no user named carol')).toBe(
      '<user>: no user named carol',
    );
  });

  it('tells the Project header (--project) from a project argument', () => {
    expect(inFlagTerms('project: no project with id "p1"')).toBe(
      '--project: no project with id "p1"',
    );
    expect(inFlagTerms('items[0].project: no project with id "p1"')).toBe(
      '<project>: no project with id "p1"',
    );
  });

  it("follows a call's own flags where they differ", () => {
    expect(inFlagTerms('items[0].username: no user named carol', 'tokens.issue')).toBe(
      '--user: no user named carol',
    );
    expect(inFlagTerms('items[0].username: no user named carol', 'users.disable')).toBe(
      '<user>: no user named carol',
    );
    expect(
      inFlagTerms(
        'items[0].id: job 3 is SUCCESS; sessions open to RUNNING jobs',
        'jobs.openInteractiveSession',
      ),
    ).toBe('<job>: job 3 is SUCCESS; sessions open to RUNNING jobs');
  });

  it('maps every refusal of a list, and leaves unknown fields and plain messages alone', () => {
    expect(inFlagTerms('items[0].startDate: too early; items[0].endDate: too late')).toBe(
      '--start: too early; --end: too late',
    );
    expect(inFlagTerms('items[0].somethingNew: odd')).toBe('items[0].somethingNew: odd');
    expect(inFlagTerms('only administrators allocate from the root')).toBe(
      'only administrators allocate from the root',
    );
  });

  it("names run's flags, a parameter by its --param", () => {
    expect(inFlagTerms('items[0].parameters.steps: must be at most 100000', 'jobs.create')).toBe(
      '--param steps: must be at most 100000',
    );
    expect(inFlagTerms('items[0].timeAllocation: must be longer than zero', 'jobs.create')).toBe(
      '--time: must be longer than zero',
    );
    expect(
      inFlagTerms('items[0].jobId: job 6 has no time allocation to extend', 'jobs.extend'),
    ).toBe('<job>: job 6 has no time allocation to extend');
  });
});
