import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client.js';
import { ROOT, walletKey, WalletStore } from './wallets.js';

const NOW = 1_000_000;
const open = { startDate: NOW - 1000, endDate: NOW + 1000 };
let wallets: WalletStore;

beforeEach(() => {
  wallets = new WalletStore(openDatabase(':memory:'));
});

const wallet = (owner: string) => wallets.ensure(owner, 'cpu', 'example').id;
const usageOf = (id: number) =>
  wallets.groupsOf(id).flatMap((g) => g.allocations.map((a) => a.usage));

describe('wallets', () => {
  it('spends from active allocations only, the earliest ending first', () => {
    const w = wallet('user:a');
    wallets.allocate(w, ROOT, { startDate: NOW - 2000, endDate: NOW - 1000, quota: 100 }, NOW);
    wallets.allocate(w, ROOT, { startDate: NOW + 10, endDate: NOW + 2000, quota: 100 }, NOW);
    wallets.allocate(w, ROOT, { ...open, endDate: NOW + 5000, quota: 30 }, NOW);
    wallets.allocate(w, ROOT, { ...open, quota: 20 }, NOW);
    expect(wallets.maxUsable(w, NOW)).toBe(50);
    expect(wallets.spend(w, 25, NOW)).not.toBeNull();
    // The allocation ending at NOW+1000 (quota 20) is drained before the one ending at NOW+5000.
    expect(usageOf(w)).toEqual([0, 0, 5, 20]);
    expect(wallets.maxUsable(w, NOW)).toBe(25);
  });

  it('refuses a spend it cannot cover whole, changing nothing', () => {
    const w = wallet('user:a');
    wallets.allocate(w, ROOT, { ...open, quota: 10 }, NOW);
    expect(wallets.spend(w, 11, NOW)).toBeNull();
    expect(usageOf(w)).toEqual([0]);
    expect(wallets.spend(w, 10, NOW)).not.toBeNull();
    expect(wallets.spend(w, 1, NOW)).toBeNull();
  });

  it('passes a child’s spending up to its parent and limits the child by what the parent has left', () => {
    const parent = wallet('project:p');
    const child = wallet('project:c');
    wallets.allocate(parent, ROOT, { ...open, quota: 100 }, NOW);
    wallets.allocate(child, parent, { ...open, quota: 80 }, NOW);
    expect(wallets.totalAllocated(parent, NOW)).toBe(80);
    expect(wallets.spend(parent, 40, NOW)).not.toBeNull();
    // 80 were given, but the parent has only 60 left for everyone.
    expect(wallets.maxUsable(child, NOW)).toBe(60);
    const debits = wallets.spend(child, 50, NOW);
    expect(usageOf(child)).toEqual([50]);
    expect(usageOf(parent)).toEqual([90]);
    expect(wallets.maxUsable(child, NOW)).toBe(10);
    expect(wallets.spend(child, 11, NOW)).toBeNull();
    // A refund gives back to the child and to the parent it was passed up to.
    wallets.refund(debits!);
    expect(usageOf(child)).toEqual([0]);
    expect(usageOf(parent)).toEqual([40]);
  });

  it('finds by key a wallet created after a first look found none', () => {
    const key = walletKey('user:a', 'cpu', 'example');
    expect(wallets.idsOf([key, key])).toEqual([undefined, undefined]);
    const w = wallet('user:a');
    expect(wallets.idsOf([walletKey('user:b', 'cpu', 'example'), key])).toEqual([undefined, w]);
  });
});
