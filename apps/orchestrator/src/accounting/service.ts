import {
  badRequest,
  forbidden,
  notFound,
  paymentRequired,
  readsEverything,
  type AccountingService,
  type BrowseWalletsRequest,
  type BulkRequest,
  type BulkResponse,
  type JobUsage,
  type PageV2,
  type ParentOrChildWallet,
  type RootAllocateItem,
  type SubAllocateItem,
  type Unit,
  type UpdateAllocationItem,
  type UserActor,
  type WalletOwner,
  type WalletV2,
} from '@ucloud/contracts';
import { asc, eq } from 'drizzle-orm';
import type { Catalog } from '../catalog/catalog.js';
import { expectRow, inTransaction, type Db } from '../db/client.js';
import { charges } from '../db/schema.js';
import type { JobRow } from '../jobs/job-view.js';
import type { FundsCheck } from '../jobs/ports.js';
import { periodPrice } from './metering.js';
import { requireProjectManager } from '../projects/service.js';
import type { ProjectStore } from '../projects/store.js';
import {
  ownerKeyOf,
  ownerOfKey,
  ROOT,
  WalletStore,
  type AllocationRow,
  type WalletRow,
} from './wallets.js';
import { pageOf } from '../paging.js';

const DEFAULT_PAGE = 50;

/** What one create request has found usable in a wallet, and what its items so far need of it. */
export interface PendingFunds {
  usable: number;
  needed: number;
}

export interface AccountingDeps {
  db: Db;
  catalog: Catalog;
  projects: ProjectStore;
  /** The job, if the caller may read it (the jobs' one authorization rule); throws 404 otherwise. */
  readableJob(actor: UserActor, id: string, field: string): JobRow;
}

/** The wallet that pays for a job: its project's, or its creator's for a personal job. */
export const payerOf = (job: {
  ownerUsername: string;
  ownerProject: string | null;
}): WalletOwner =>
  job.ownerProject === null
    ? { type: 'user', username: job.ownerUsername }
    : { type: 'project', projectId: job.ownerProject };

/**
 * Wallets and allocations as users and administrators see them. Administrators grant from the
 * root; a project's PI and admins pass quota on to its sub-projects; members see their
 * project's wallets, everyone their own.
 */
export class AccountingServiceImpl implements AccountingService {
  private readonly wallets: WalletStore;

  constructor(private readonly deps: AccountingDeps) {
    this.wallets = new WalletStore(deps.db);
  }

  /** A funds check for one create request (see `requireFunds`). */
  fundsCheck(): FundsCheck {
    const pending = new Map<string, PendingFunds>();
    return {
      require: (owner, product, replicas, field) =>
        this.requireFunds(
          payerOf({ ownerUsername: owner.username, ownerProject: owner.project }),
          product,
          replicas,
          field,
          pending,
        ),
    };
  }

  /**
   * Refuses (402) a job whose wallet cannot pay its first period, counting what earlier items of
   * the same request (`pending`, by wallet) already need.
   */
  requireFunds(
    owner: WalletOwner,
    product: {
      category: { name: string; provider: string };
      pricePerUnit: number;
      freeToUse: boolean;
    },
    replicas: number,
    field: string,
    pending: Map<string, PendingFunds>,
  ): void {
    const category = this.deps.catalog.categoryOf({
      provider: product.category.provider,
      category: product.category.name,
    });
    if (product.freeToUse || category.freeToUse) return;
    const key = `${ownerKeyOf(owner)}/${category.provider}/${category.name}`;
    // A wallet is read once per request: a bulk of 500 jobs must not walk its allocations 500 times.
    let funds = pending.get(key);
    if (!funds) {
      const wallet = this.wallets.find(ownerKeyOf(owner), category.name, category.provider);
      funds = { usable: wallet ? this.wallets.maxUsable(wallet.id, Date.now()) : 0, needed: 0 };
      pending.set(key, funds);
    }
    const needed = funds.needed + periodPrice(product, replicas);
    if (funds.usable < needed)
      throw paymentRequired(
        `${field}: not enough credits in category ${category.name} of provider ${category.provider} (${funds.usable} usable, ${needed} needed)`,
      );
    funds.needed = needed;
  }

  async browseWallets(actor: UserActor, request: BrowseWalletsRequest): Promise<PageV2<WalletV2>> {
    // Administrators and operators see every wallet from their personal workspace.
    const owner =
      actor.project === null && readsEverything(actor)
        ? null
        : ownerKeyOf(this.workspaceOwner(actor));
    const itemsPerPage = request.itemsPerPage ?? DEFAULT_PAGE;
    const after = request.next ? Number(request.next) : 0;
    if (!Number.isSafeInteger(after))
      throw badRequest('next: not a cursor returned by browseWallets');
    const now = Date.now();
    const rows = this.wallets
      .ownedBy(owner, after, itemsPerPage + 1)
      .filter(
        (w) =>
          !request.filterType ||
          this.deps.catalog.categoryOf({ provider: w.provider, category: w.category })
            .productType === request.filterType,
      );
    const { page, next } = pageOf(rows, itemsPerPage);
    return {
      itemsPerPage,
      items: page.map((w) => this.view(w, now, request.includeChildren === true)),
      next,
    };
  }

  async rootAllocate(
    actor: UserActor,
    request: BulkRequest<RootAllocateItem>,
  ): Promise<BulkResponse<{ id: number }>> {
    if (!actor.admin) throw forbidden('only administrators allocate from the root');
    const items = request.items.map((item, i) => {
      this.requireOwner(item.owner, `items[${i}].owner`);
      this.requireCategory(item.category, `items[${i}].category`);
      return item;
    });
    const now = Date.now();
    const ids = inTransaction(this.deps.db, () =>
      items.map((item) => {
        const wallet = this.wallets.ensure(
          ownerKeyOf(item.owner),
          item.category.name,
          item.category.provider,
        );
        return this.wallets.allocate(wallet.id, ROOT, item, now);
      }),
    );
    return { responses: ids.map((id) => ({ id })) };
  }

  async subAllocate(
    actor: UserActor,
    request: BulkRequest<SubAllocateItem>,
  ): Promise<BulkResponse<{ id: number }>> {
    const items = request.items.map((item, i) => {
      const at = `items[${i}]`;
      this.requireManager(actor, item.parentProject, `${at}.parentProject`);
      if (
        item.owner.type !== 'project' ||
        this.deps.projects.get(item.owner.projectId)?.parentId !== item.parentProject
      )
        throw badRequest(
          `${at}.owner: quota is passed on to sub-projects of ${item.parentProject} only`,
        );
      const category = this.requireCategory(item.category, `${at}.category`);
      if (!category.allowSubAllocations)
        throw badRequest(`${at}.category: ${category.name} does not allow sub-allocations`);
      const parent = this.wallets.find(
        ownerKeyOf({ type: 'project', projectId: item.parentProject }),
        category.name,
        category.provider,
      );
      if (!parent)
        throw badRequest(
          `${at}.category: the parent project has no allocation in ${category.name}`,
        );
      return { item, parent };
    });
    const now = Date.now();
    const ids = inTransaction(this.deps.db, () =>
      items.map(({ item, parent }) => {
        const wallet = this.wallets.ensure(
          ownerKeyOf(item.owner),
          parent.category,
          parent.provider,
        );
        return this.wallets.allocate(wallet.id, parent.id, item, now);
      }),
    );
    return { responses: ids.map((id) => ({ id })) };
  }

  async updateAllocation(
    actor: UserActor,
    request: BulkRequest<UpdateAllocationItem>,
  ): Promise<BulkResponse<Unit>> {
    const changes = request.items.map((item, i) => {
      const at = `items[${i}]`;
      const allocation = this.wallets.allocation(item.id);
      if (!allocation) throw notFound(`${at}.id: no allocation with id ${item.id}`);
      if (allocation.parentWalletId === ROOT) {
        if (!actor.admin) throw forbidden(`${at}.id: only administrators change root allocations`);
      } else {
        const parent = ownerOfKey(this.wallet(allocation.parentWalletId).ownerKey);
        if (parent.type !== 'project')
          throw new Error(`allocation ${item.id} was given by a user wallet`);
        this.requireManager(actor, parent.projectId, `${at}.id`);
      }
      const next = {
        quota: item.quota ?? allocation.quota,
        startDate: item.startDate ?? allocation.startDate,
        endDate: item.endDate ?? allocation.endDate,
      };
      if (next.endDate <= next.startDate)
        throw badRequest(`${at}.endDate: must be after startDate`);
      return { id: item.id, walletId: allocation.walletId, next };
    });
    const now = Date.now();
    inTransaction(this.deps.db, () => {
      for (const c of changes) this.wallets.updateAllocation(c.id, c.next, c.walletId, now);
    });
    return { responses: changes.map(() => ({})) };
  }

  async retrieveJobUsage(actor: UserActor, request: { jobId: string }): Promise<JobUsage> {
    const job = this.deps.readableJob(actor, request.jobId, 'jobId');
    const rows = this.deps.db
      .select()
      .from(charges)
      .where(eq(charges.jobId, job.id))
      .orderBy(asc(charges.period))
      .all();
    return {
      jobId: String(job.id),
      category: { name: job.productCategory, provider: job.provider },
      owner: payerOf(job),
      periodsCharged: rows.length,
      totalCharged: rows.reduce((sum, r) => sum + r.amount, 0),
      charges: rows.map((r) => ({ period: r.period, amount: r.amount, chargedAt: r.chargedAt })),
    };
  }

  private view(wallet: WalletRow, now: number, includeChildren: boolean): WalletV2 {
    const owner = ownerOfKey(wallet.ownerKey);
    const groups = this.wallets.groupsOf(wallet.id);
    const group = (g: { id: number; allocations: AllocationRow[] }) => ({
      id: g.id,
      allocations: g.allocations.map((a) => ({
        id: a.id,
        startDate: a.startDate,
        endDate: a.endDate,
        quota: a.quota,
        grantedIn: null,
        retiredUsage: null,
      })),
      usage: g.allocations.reduce((sum, a) => sum + a.usage, 0),
    });
    const active = groups
      .flatMap((g) => g.allocations)
      .filter((a) => a.startDate <= now && now < a.endDate);
    return {
      owner,
      paysFor: this.deps.catalog.categoryOf({
        provider: wallet.provider,
        category: wallet.category,
      }),
      allocationGroups: groups.map((g) => ({
        parent: this.describe(
          g.parentWalletId === ROOT ? null : this.wallet(g.parentWalletId),
          owner,
        ),
        group: group(g),
      })),
      children: includeChildren
        ? this.wallets.childGroupsOf(wallet.id).map((g) => ({
            child: this.describe(this.wallet(g.walletId), owner),
            group: group(g),
          }))
        : null,
      totalUsage: groups.flatMap((g) => g.allocations).reduce((sum, a) => sum + a.usage, 0),
      localUsage: this.wallets.localUsage(wallet.id),
      maxUsable: this.wallets.maxUsable(wallet.id, now),
      quota: active.reduce((sum, a) => sum + a.quota, 0),
      totalAllocated: this.wallets.totalAllocated(wallet.id, now),
      lastSignificantUpdateAt: wallet.lastSignificantUpdateAt,
    };
  }

  /** A wallet as parent or child: the root is shown as UCloud does, "Root" with the owner's PI. */
  private describe(wallet: WalletRow | null, rootOwner: WalletOwner): ParentOrChildWallet {
    const owner = wallet ? ownerOfKey(wallet.ownerKey) : rootOwner;
    if (owner.type === 'user')
      return {
        projectId: null,
        projectTitle: wallet ? owner.username : 'Root',
        pi: owner.username,
      };
    const pi =
      this.deps.projects.membersOf(owner.projectId).find((m) => m.role === 'PI')?.username ?? '';
    if (!wallet) return { projectId: null, projectTitle: 'Root', pi };
    return {
      projectId: owner.projectId,
      projectTitle: this.deps.projects.get(owner.projectId)?.title ?? owner.projectId,
      pi,
    };
  }

  /** A wallet an allocation group refers to (its foreign key keeps it). */
  private wallet(id: number): WalletRow {
    return expectRow(this.wallets.get(id), `wallet ${id}`);
  }

  private workspaceOwner(actor: UserActor): WalletOwner {
    // The API refused a project the caller is not a member of before this service was called.
    if (actor.project === null) return { type: 'user', username: actor.username };
    return { type: 'project', projectId: actor.project };
  }

  private requireOwner(owner: WalletOwner, field: string): void {
    if (owner.type === 'user' && !this.deps.projects.userExists(owner.username))
      throw badRequest(`${field}.username: no user named ${owner.username}`);
    if (owner.type === 'project' && !this.deps.projects.get(owner.projectId))
      throw badRequest(`${field}.projectId: no project with id ${owner.projectId}`);
  }

  private requireCategory(ref: { name: string; provider: string }, field: string) {
    try {
      return this.deps.catalog.categoryOf({ provider: ref.provider, category: ref.name });
    } catch {
      throw badRequest(`${field}: no product category ${ref.name} of provider ${ref.provider}`);
    }
  }

  private requireManager(actor: UserActor, projectId: string, field: string): void {
    requireProjectManager(this.deps.projects, actor, projectId, field);
  }
}
