import { describe, expect, it } from 'vitest';
import { parseDurationMinutes, parseKeyValueLines, parseLocalTime } from './key-value-text.js';

describe('parseKeyValueLines', () => {
  it('splits records into keys and values, keys with colons and slashes included', () => {
    const [record] = parseKeyValueLines(
      'NodeName=vm OS=Linux 6.1 #1 SMP  RealMemory=8192 AllocNode:Sid=localhost:11 CPUs/Task=1\n',
    );
    expect(Object.fromEntries(record!)).toEqual({
      NodeName: 'vm',
      OS: 'Linux 6.1 #1 SMP',
      RealMemory: '8192',
      'AllocNode:Sid': 'localhost:11',
      'CPUs/Task': '1',
    });
  });
});

describe('parseDurationMinutes', () => {
  it.each([
    ['00:02:00', 2],
    ['1:30:00', 90],
    ['365-00:00:00', 525_600],
    ['5', 5],
    ['5:30', 6],
    ['2-3', 51 * 60],
    ['2-3:04', 51 * 60 + 4],
    ['UNLIMITED', null],
    ['Partition_Limit', null],
  ])('%s is %s minutes', (text, minutes) => {
    expect(parseDurationMinutes(text)).toBe(minutes);
  });
});

describe('parseLocalTime', () => {
  it('reads Slurm local times and not its placeholders', () => {
    expect(parseLocalTime('2026-11-23T14:05:52')).toBe(new Date(2026, 10, 23, 14, 5, 52).getTime());
    expect(parseLocalTime('Unknown')).toBeNull();
    expect(parseLocalTime('None')).toBeNull();
  });
});
