import type { WalletOwner } from '@ucloud/contracts';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { expectRow, type Db } from '../db/client.js';
import { allocationGroups, allocations, charges, wallets } from '../db/schema.js';

export type WalletRow = typeof wallets.$inferSelect;
export type AllocationRow = typeof allocations.$inferSelect;
export type GroupRow = typeof allocationGroups.$inferSelect;

/** Parent id of allocations granted from the root rather than from another wallet. */
export const ROOT = 0;

export const ownerKeyOf = (owner: WalletOwner) =>
  owner.type === 'user' ? `user:${owner.username}` : `project:${owner.projectId}`;

/** One string for a wallet's (owner key, category, provider), for maps. */
export const walletKey = (ownerKey: string, category: string, provider: string) =>
  `${ownerKey}\n${category}\n${provider}`;

export function ownerOfKey(key: string): WalletOwner {
  const [type, ...rest] = key.split(':');
  const id = rest.join(':');
  return type === 'user' ? { type: 'user', username: id } : { type: 'project', projectId: id };
}

const isActive = (a: AllocationRow, at: number) => a.startDate <= at && at < a.endDate;

/**
 * Wallets, their allocations and the arithmetic of spending them. Every method is synchronous and
 * meant to run inside the caller's transaction, so a charge and what caused it commit together.
 */
export class WalletStore {
  private readonly queries: ReturnType<typeof prepareQueries>;
  /** Ids by `walletKey`: a wallet is never deleted nor given another key, so an id found stays. */
  private readonly ids = new Map<string, number>();

  constructor(private readonly db: Db) {
    this.queries = prepareQueries(db);
  }

  find(ownerKey: string, category: string, provider: string): WalletRow | undefined {
    return this.queries.find.get({ ownerKey, category, provider });
  }

  get(id: number): WalletRow | undefined {
    return this.db.select().from(wallets).where(eq(wallets.id, id)).get();
  }

  ensure(ownerKey: string, category: string, provider: string): WalletRow {
    this.db.insert(wallets).values({ ownerKey, category, provider }).onConflictDoNothing().run();
    return expectRow(this.find(ownerKey, category, provider), `wallet ${ownerKey}/${category}`);
  }

  /** The owner's wallets in id order, after the cursor. */
  /** Wallets of one owner, or of every owner when `ownerKey` is null. */
  ownedBy(ownerKey: string | null, after: number, limit: number): WalletRow[] {
    return this.db
      .select()
      .from(wallets)
      .where(
        and(ownerKey === null ? undefined : eq(wallets.ownerKey, ownerKey), gt(wallets.id, after)),
      )
      .orderBy(asc(wallets.id))
      .limit(limit)
      .all();
  }

  allocate(
    walletId: number,
    parentWalletId: number,
    grant: { startDate: number; endDate: number; quota: number },
    now: number,
  ): number {
    this.db
      .insert(allocationGroups)
      .values({ walletId, parentWalletId })
      .onConflictDoNothing()
      .run();
    const group = expectRow(
      this.db
        .select()
        .from(allocationGroups)
        .where(
          and(
            eq(allocationGroups.walletId, walletId),
            eq(allocationGroups.parentWalletId, parentWalletId),
          ),
        )
        .get(),
      'allocation group',
    );
    const row = this.db
      .insert(allocations)
      .values({ groupId: group.id, ...grant, createdAt: now })
      .returning({ id: allocations.id })
      .get();
    this.touch(walletId, now);
    return row.id;
  }

  /** The allocation with the wallet it pays into and the wallet it came from (ROOT: none). */
  allocation(
    id: number,
  ): (AllocationRow & { walletId: number; parentWalletId: number }) | undefined {
    return this.db
      .select({
        allocation: allocations,
        walletId: allocationGroups.walletId,
        parentWalletId: allocationGroups.parentWalletId,
      })
      .from(allocations)
      .innerJoin(allocationGroups, eq(allocationGroups.id, allocations.groupId))
      .where(eq(allocations.id, id))
      .all()
      .map((r) => ({ ...r.allocation, walletId: r.walletId, parentWalletId: r.parentWalletId }))[0];
  }

  updateAllocation(
    id: number,
    change: { quota: number; startDate: number; endDate: number },
    walletId: number,
    now: number,
  ): void {
    this.db.update(allocations).set(change).where(eq(allocations.id, id)).run();
    this.touch(walletId, now);
  }

  /** The groups a wallet received, each with its allocations. */
  groupsOf(walletId: number): GroupWithAllocations[] {
    return grouped(this.queries.groupsOf.all({ walletId }));
  }

  /** The groups this wallet gave to others. */
  childGroupsOf(walletId: number): GroupWithAllocations[] {
    return grouped(this.queries.childGroupsOf.all({ walletId }));
  }

  /** What the wallet's own jobs were charged. */
  localUsage(walletId: number): number {
    return (
      this.db
        .select({ total: sql<number>`coalesce(sum(${charges.amount}), 0)` })
        .from(charges)
        .where(eq(charges.walletId, walletId))
        .get()?.total ?? 0
    );
  }

  /** Spending on this store's allocations, read once per wallet and written at `flush`. */
  batch(): SpendingBatch {
    return new SpendingBatch(
      (walletIds) =>
        groupsByWallet(walletIds, this.queries.groupsOfMany.all(JSON.stringify(walletIds))),
      (changes) => {
        for (const [id, take] of changes) this.queries.addUsage.run(take, id);
      },
    );
  }

  /**
   * The id of the wallet of each `walletKey`, undefined where there is none (looked up again next
   * time: it may be created); the keys not found before are read at once.
   */
  idsOf(keys: readonly string[]): Array<number | undefined> {
    const ids = keys.map((key) => this.ids.get(key));
    const missing = [...new Set(keys.filter((_, i) => ids[i] === undefined))];
    if (missing.length === 0) return ids;
    const rows = this.queries.findMany.all({
      keys: JSON.stringify(missing.map((key) => key.split('\n'))),
    });
    for (const w of rows) this.ids.set(walletKey(w.ownerKey, w.category, w.provider), w.id);
    return keys.map((key) => this.ids.get(key));
  }

  /** What can be spent now: see `SpendingBatch.maxUsable`. */
  maxUsable(walletId: number, at: number): number {
    return this.batch().maxUsable(walletId, at);
  }

  /** Takes `amount` from the wallet: see `SpendingBatch.spend`. */
  spend(walletId: number, amount: number, at: number): Debit[] | null {
    const batch = this.batch();
    const debits = batch.spend(walletId, amount, at);
    batch.flush();
    return debits;
  }

  /** Gives back what `spend` took, to the same allocations. */
  refund(debits: readonly Debit[]): void {
    const batch = this.batch();
    batch.refund(debits);
    batch.flush();
  }

  /** Active allocations given by this wallet to others. */
  totalAllocated(walletId: number, at: number): number {
    return this.childGroupsOf(walletId)
      .flatMap((g) => g.allocations)
      .filter((a) => isActive(a, at))
      .reduce((sum, a) => sum + a.quota, 0);
  }

  private touch(walletId: number, now: number): void {
    this.db
      .update(wallets)
      .set({ lastSignificantUpdateAt: now })
      .where(eq(wallets.id, walletId))
      .run();
  }
}

/**
 * The arithmetic of spending, on allocations read once per wallet and kept in memory, their usage
 * written once each at `flush`: charging a round of many jobs of few wallets then reads and writes
 * each allocation once rather than once per job. Meant for one transaction: nothing else may
 * change these allocations until `flush`.
 */
export class SpendingBatch {
  private readonly groups = new Map<number, GroupWithAllocations[]>();
  private readonly allocations = new Map<number, AllocationRow>();
  /** What each allocation's usage has changed by since it was read (or, unread, since the start). */
  private readonly changes = new Map<number, number>();

  constructor(
    /** The groups of each wallet named, with their allocations. */
    private readonly read: (walletIds: number[]) => Map<number, GroupWithAllocations[]>,
    /** Adds each [allocation id, take] to that allocation's usage. */
    private readonly write: (changes: Array<[number, number]>) => void,
  ) {}

  /** Reads the wallets not read yet, at once (their parents are read when first needed). */
  load(walletIds: number[]): void {
    const missing = [...new Set(walletIds)].filter((id) => !this.groups.has(id));
    if (missing.length === 0) return;
    for (const [walletId, groups] of this.read(missing)) {
      for (const a of groups.flatMap((g) => g.allocations)) {
        // A refund may have reached this allocation before its wallet was read.
        a.usage += this.changes.get(a.id) ?? 0;
        this.allocations.set(a.id, a);
      }
      this.groups.set(walletId, groups);
    }
  }

  /** What can be spent now: the unused quota of active allocations, each group limited by its parent. */
  maxUsable(walletId: number, at: number): number {
    let total = 0;
    for (const group of this.groupsOf(walletId)) {
      let available = group.allocations
        .filter((a) => isActive(a, at))
        .reduce((sum, a) => sum + Math.max(0, a.quota - a.usage), 0);
      if (group.parentWalletId !== ROOT && available > 0)
        available = Math.min(available, this.maxUsable(group.parentWalletId, at));
      total += available;
    }
    return total;
  }

  /**
   * Takes `amount` from the wallet's active allocations, earliest ending first, and passes each
   * part up to the wallet it was allocated from. All or nothing: null (and no change) when the
   * wallet cannot pay it all; otherwise what each allocation paid, for `refund`.
   */
  spend(walletId: number, amount: number, at: number): Debit[] | null {
    if (amount === 0) return [];
    if (this.maxUsable(walletId, at) < amount) return null;
    const debits: Debit[] = [];
    let remaining = amount;
    for (const group of this.groupsOf(walletId)) {
      let parentAvailable =
        group.parentWalletId === ROOT ? Infinity : this.maxUsable(group.parentWalletId, at);
      const active = group.allocations
        .filter((a) => isActive(a, at))
        .sort((x, y) => x.endDate - y.endDate || x.id - y.id);
      for (const a of active) {
        const take = Math.min(remaining, a.quota - a.usage, parentAvailable);
        if (take <= 0) continue;
        this.add(a.id, take);
        debits.push([a.id, take]);
        if (group.parentWalletId !== ROOT) {
          // The parent's usable funds were counted in `take`, so it can pay its part.
          const passedUp = this.spend(group.parentWalletId, take, at);
          if (!passedUp) throw new Error(`wallet ${group.parentWalletId} refused a checked spend`);
          debits.push(...passedUp);
        }
        remaining -= take;
        parentAvailable -= take;
        if (remaining === 0) return debits;
      }
    }
    throw new Error(`wallet ${walletId}: ${remaining} of ${amount} left after a checked spend`);
  }

  /** Gives back what `spend` took, to the same allocations. */
  refund(debits: readonly Debit[]): void {
    for (const [id, amount] of debits) this.add(id, -amount);
  }

  /** Writes every allocation's change of usage. */
  flush(): void {
    const changes = [...this.changes].filter(([, take]) => take !== 0);
    if (changes.length > 0) this.write(changes);
    this.changes.clear();
  }

  private groupsOf(walletId: number): GroupWithAllocations[] {
    const groups = this.groups.get(walletId);
    if (groups) return groups;
    this.load([walletId]);
    return this.groups.get(walletId) ?? [];
  }

  private add(allocationId: number, take: number): void {
    const a = this.allocations.get(allocationId);
    if (a) a.usage += take;
    this.changes.set(allocationId, (this.changes.get(allocationId) ?? 0) + take);
  }
}

/** What one allocation paid of a charge: [allocation id, amount]. */
export type Debit = [allocationId: number, amount: number];

type GroupWithAllocations = GroupRow & { allocations: AllocationRow[] };

/** A row of `groupsOfMany`: a group and one of its allocations (nulls: it has none). */
type GroupAllocationRow =
  | [number, number, number, number, number, number, number, number, number]
  | [number, number, number, null, null, null, null, null, null];

/** Rows of `groupsOfMany` as the groups of each wallet, each with its allocations. */
function groupsByWallet(walletIds: number[], rows: GroupAllocationRow[]) {
  const groups = new Map(walletIds.map((id) => [id, [] as GroupWithAllocations[]]));
  let group: GroupWithAllocations | undefined;
  for (const [groupId, walletId, parentWalletId, ...allocation] of rows) {
    if (group?.id !== groupId) {
      group = { id: groupId, walletId, parentWalletId, allocations: [] };
      groups.get(walletId)?.push(group);
    }
    const [id, startDate, endDate, quota, usage, createdAt] = allocation;
    if (id !== null)
      group.allocations.push({ id, groupId, startDate, endDate, quota, usage, createdAt });
  }
  return groups;
}

/** Rows of a group ⟕ allocation join, ordered by group, as groups each with its allocations. */
function grouped(rows: Array<{ group: GroupRow; allocation: AllocationRow | null }>) {
  const groups: GroupWithAllocations[] = [];
  let current: GroupWithAllocations | undefined;
  for (const { group, allocation } of rows) {
    if (current?.id !== group.id) {
      current = { ...group, allocations: [] };
      groups.push(current);
    }
    if (allocation) current.allocations.push(allocation);
  }
  return groups;
}

/**
 * The queries charging runs for every job and period, prepared once: building them with drizzle
 * and preparing them in SQLite each time was most of a charge's cost.
 */
function prepareQueries(db: Db) {
  const p = (name: string) => sql.placeholder(name);
  const groupsWhere = (column: 'walletId' | 'parentWalletId') =>
    db
      .select({ group: allocationGroups, allocation: allocations })
      .from(allocationGroups)
      .leftJoin(allocations, eq(allocations.groupId, allocationGroups.id))
      .where(eq(allocationGroups[column], p('walletId')))
      .orderBy(asc(allocationGroups.id), asc(allocations.id))
      .prepare();
  return {
    find: db
      .select()
      .from(wallets)
      .where(
        and(
          eq(wallets.ownerKey, p('ownerKey')),
          eq(wallets.category, p('category')),
          eq(wallets.provider, p('provider')),
        ),
      )
      .prepare(),
    groupsOf: groupsWhere('walletId'),
    // Rows as arrays, made objects by the caller: drizzle's mapping of each row of the join cost
    // more than reading it. [group id, wallet, parent wallet, allocation columns or nulls].
    groupsOfMany: db.$client
      .prepare<[string], GroupAllocationRow>(
        `SELECT g.id, g.wallet_id, g.parent_wallet_id,
          a.id, a.start_date, a.end_date, a.quota, a.usage, a.created_at
        FROM allocation_groups g LEFT JOIN allocations a ON a.group_id = g.id
        WHERE g.wallet_id IN (SELECT value FROM json_each(?))
        ORDER BY g.id, a.id`,
      )
      .raw(),
    findMany: db
      .select()
      .from(wallets)
      .where(
        sql`(${wallets.ownerKey}, ${wallets.category}, ${wallets.provider}) in (select value ->> 0, value ->> 1, value ->> 2 from json_each(${p('keys')}))`,
      )
      .prepare(),
    // Run once per allocation of a round: cheaper than an UPDATE … FROM json_each of them all.
    addUsage: db.$client.prepare<[number, number]>(
      `UPDATE allocations SET usage = usage + ? WHERE id = ?`,
    ),
    childGroupsOf: groupsWhere('parentWalletId'),
  };
}

/** Allocations active at `at` (for tests and the service's quota figure). */
export const activeAt = (rows: AllocationRow[], at: number) => rows.filter((a) => isActive(a, at));
