import { ApiError, type Actor } from '@ucloud/contracts';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client.js';
import { AccountStore } from './account-store.js';
import { Authenticator, LAST_USED_RESOLUTION_MS } from './authenticator.js';
import { hashToken, newToken } from './tokens.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');

function setup() {
  const store = new AccountStore(openDatabase(':memory:'));
  const clock = { now: T0 };
  const auth = new Authenticator(store, [], { roleOf: () => null }, () => clock.now);
  auth.upsertUser('alice', 'alice-token', false);
  const issue = (expiresAt: number | null = null) => {
    const token = newToken();
    const row = store.insertToken({
      username: 'alice',
      name: 'test',
      tokenHash: hashToken(token),
      createdAt: clock.now,
      expiresAt,
    });
    return { token, row };
  };
  const refusal = (token: string) => {
    const r = auth.resolve(`Bearer ${token}`);
    return r instanceof ApiError ? `${r.code}: ${r.message}` : r;
  };
  return { store, clock, auth, issue, refusal };
}

describe('Authenticator', () => {
  it('resolves a USERS token and an issued one to the user, and no token to null', () => {
    const { auth, issue } = setup();
    const alice: Actor = {
      kind: 'user',
      username: 'alice',
      admin: false,
      operator: false,
      project: null,
      role: null,
    };
    expect(auth.resolve('Bearer alice-token')).toEqual(alice);
    expect(auth.resolve(`Bearer ${issue().token}`)).toEqual(alice);
    expect(auth.resolve(undefined)).toBeNull();
  });

  it('refuses an unknown, an expired and a revoked token in words', () => {
    const { clock, store, issue, refusal } = setup();
    expect(refusal('nobody')).toBe('UNAUTHORIZED: The bearer token is not known');
    const soon = issue(T0 + 1000);
    clock.now = T0 + 1000;
    expect(refusal(soon.token)).toBe(
      'UNAUTHORIZED: The bearer token expired on 2030-01-01T00:00:01.000Z',
    );
    const later = issue();
    store.revoke(later.row.id, T0 + 5000);
    expect(refusal(later.token)).toBe(
      'UNAUTHORIZED: The bearer token was revoked on 2030-01-01T00:00:05.000Z',
    );
  });

  it('refuses every token of a disabled user', () => {
    const { store, refusal } = setup();
    store.setDisabled('alice', true);
    expect(refusal('alice-token')).toBe('FORBIDDEN: The user alice is disabled');
  });

  it('records a token’s last use at most once per resolution interval', () => {
    const { clock, store, auth, issue } = setup();
    const { token, row } = issue();
    const lastUsed = () => store.token(row.id)?.lastUsedAt;
    expect(auth.resolve(`Bearer ${token}`)).toMatchObject({ username: 'alice' });
    expect(lastUsed()).toBe(T0);
    clock.now = T0 + LAST_USED_RESOLUTION_MS - 1;
    expect(auth.resolve(`Bearer ${token}`)).toMatchObject({ username: 'alice' });
    expect(lastUsed()).toBe(T0);
    clock.now = T0 + LAST_USED_RESOLUTION_MS;
    expect(auth.resolve(`Bearer ${token}`)).toMatchObject({ username: 'alice' });
    expect(lastUsed()).toBe(T0 + LAST_USED_RESOLUTION_MS);
  });

  it('replaces a user’s USERS token when the entry changes, keeping a disabled user disabled', () => {
    const { store, auth, refusal } = setup();
    auth.upsertUser('alice', 'new-token', true);
    expect(refusal('alice-token')).toBe('UNAUTHORIZED: The bearer token is not known');
    expect(auth.resolve('Bearer new-token')).toMatchObject({ username: 'alice', admin: true });
    store.setDisabled('alice', true);
    auth.upsertUser('alice', 'new-token', true);
    expect(refusal('new-token')).toBe('FORBIDDEN: The user alice is disabled');
  });
});

describe('tokens', () => {
  it('are long random strings stored as their sha256', () => {
    const token = newToken();
    expect(token).toMatch(/^ucloud_[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(token);
    expect(hashToken('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
