import { describe, expect, it } from 'vitest';
import { completeUtf8Length, FollowCursor } from './follow-cursor.js';

describe('FollowCursor', () => {
  it('round-trips through its event id', () => {
    const c = new FollowCursor(42);
    c.advance(0, 'stdout', 1337);
    c.advance(1, 'stderr', 5);
    const parsed = FollowCursor.parse(c.toString())!;
    expect(parsed.updateSeq).toBe(42);
    expect(parsed.offsetOf(0, 'stdout')).toBe(1337);
    expect(parsed.offsetOf(1, 'stderr')).toBe(5);
    expect(parsed.offsetOf(0, 'stderr')).toBe(0);
    expect(parsed.toString()).toBe(c.toString());
  });

  it('starts from the beginning without an id and refuses a malformed one', () => {
    expect(FollowCursor.parse(null)!.toString()).toBe('0:');
    expect(FollowCursor.parse('garbage')).toBeNull();
    expect(FollowCursor.parse('1:0x5')).toBeNull();
    expect(FollowCursor.parse('99999999999999999999999:0o0')).toBeNull();
    expect(FollowCursor.parse('1:0o99999999999999999999')).toBeNull();
    expect(FollowCursor.parse('1:99999999999999999999e0')).toBeNull();
  });
});

describe('completeUtf8Length', () => {
  it('stops before a split multi-byte character', () => {
    const bytes = Buffer.from('aé€😀', 'utf8'); // 1 + 2 + 3 + 4 bytes
    expect(completeUtf8Length(bytes)).toBe(10);
    expect(completeUtf8Length(bytes.subarray(0, 9))).toBe(6);
    expect(completeUtf8Length(bytes.subarray(0, 7))).toBe(6);
    expect(completeUtf8Length(bytes.subarray(0, 5))).toBe(3);
    expect(completeUtf8Length(bytes.subarray(0, 2))).toBe(1);
    expect(completeUtf8Length(Buffer.from('plain'))).toBe(5);
  });
});
