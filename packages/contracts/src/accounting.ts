import { z } from 'zod';
import { ProductType } from './products.js';
import { nullable, QueryBool, QueryInt } from './shared.js';

/**
 * Accounting (UCloud's AccountingV2): products belong to categories, and a category says how
 * usage is counted and how often a running job is charged. Owners hold one wallet per category,
 * paid into by allocations (quota between a start and an end date) from the root or from a
 * parent project's wallet.
 */
export const AccountingFrequency = z.enum([
  'ONCE',
  'PERIODIC_MINUTE',
  'PERIODIC_HOUR',
  'PERIODIC_DAY',
]);
export type AccountingFrequency = z.infer<typeof AccountingFrequency>;

export const AccountingUnit = z.object({
  name: z.string().min(1),
  namePlural: z.string().min(1),
  /** Amounts are stored in millionths of the unit when true (the example's 500000000 = 500 DKK). */
  floatingPoint: z.boolean(),
  displayFrequencySuffix: z.boolean(),
});
export type AccountingUnit = z.infer<typeof AccountingUnit>;

export const ProductCategory = z.object({
  name: z.string().min(1),
  provider: z.string().min(1),
  productType: ProductType,
  accountingUnit: AccountingUnit,
  accountingFrequency: AccountingFrequency,
  freeToUse: z.boolean().default(false),
  allowSubAllocations: z.boolean().default(true),
});
export type ProductCategory = z.infer<typeof ProductCategory>;

export const WalletOwner = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), username: z.string().min(1, 'must not be empty') }),
  z.object({ type: z.literal('project'), projectId: z.string().min(1, 'must not be empty') }),
]);
export type WalletOwner = z.infer<typeof WalletOwner>;

export const Allocation = z.object({
  id: z.number().int(),
  startDate: z.number().int(),
  endDate: z.number().int(),
  quota: z.number().int(),
  grantedIn: nullable(z.number().int()),
  retiredUsage: nullable(z.number().int()),
});
export type Allocation = z.infer<typeof Allocation>;

/** The allocations a wallet received from one parent, and what has been used of them. */
export const AllocationGroup = z.object({
  id: z.number().int(),
  allocations: z.array(Allocation),
  usage: z.number().int(),
});
export type AllocationGroup = z.infer<typeof AllocationGroup>;

export const ParentOrChildWallet = z.object({
  projectId: nullable(z.string()),
  projectTitle: z.string(),
  pi: z.string(),
});
export type ParentOrChildWallet = z.infer<typeof ParentOrChildWallet>;

export const AllocationGroupWithParent = z.object({
  parent: nullable(ParentOrChildWallet),
  group: AllocationGroup,
});
export const AllocationGroupWithChild = z.object({
  child: ParentOrChildWallet,
  group: AllocationGroup,
});

export const WalletV2 = z.object({
  owner: WalletOwner,
  paysFor: ProductCategory,
  allocationGroups: z.array(AllocationGroupWithParent),
  children: nullable(z.array(AllocationGroupWithChild)),
  /** Usage of the wallet and of every wallet below it. */
  totalUsage: z.number().int(),
  /** Usage of this wallet's own jobs. */
  localUsage: z.number().int(),
  /** What can still be spent now: unused quota of active allocations, limited by the parents'. */
  maxUsable: z.number().int(),
  /** Sum of the active allocations' quotas. */
  quota: z.number().int(),
  /** Sum of what this wallet has sub-allocated to others. */
  totalAllocated: z.number().int(),
  lastSignificantUpdateAt: z.number().int(),
});
export type WalletV2 = z.infer<typeof WalletV2>;

export const BrowseWalletsRequest = z.object({
  itemsPerPage: nullable(QueryInt.min(1).max(250)),
  next: nullable(z.string()),
  consistency: nullable(z.enum(['PREFER', 'REQUIRE'])),
  itemsToSkip: nullable(QueryInt.min(0)),
  filterType: nullable(ProductType),
  includeChildren: QueryBool.nullish(),
  childrenQuery: nullable(z.string()),
});
export type BrowseWalletsRequest = z.infer<typeof BrowseWalletsRequest>;

const Category = z.object({ name: z.string().min(1), provider: z.string().min(1) });
const Dates = {
  startDate: z.number().int().min(0),
  endDate: z.number().int().min(0),
};

/** An administrator grants quota from the root to any owner. */
export const RootAllocateItem = z
  .object({ owner: WalletOwner, category: Category, quota: z.number().int().min(0), ...Dates })
  .refine((a) => a.endDate > a.startDate, {
    message: 'must be after startDate',
    path: ['endDate'],
  });
export type RootAllocateItem = z.infer<typeof RootAllocateItem>;

/** A project's PI or admin passes on part of the project's quota to a sub-project or a member. */
export const SubAllocateItem = z
  .object({
    parentProject: z.string().min(1, 'must not be empty'),
    owner: WalletOwner,
    category: Category,
    quota: z.number().int().min(0),
    ...Dates,
  })
  .refine((a) => a.endDate > a.startDate, {
    message: 'must be after startDate',
    path: ['endDate'],
  });
export type SubAllocateItem = z.infer<typeof SubAllocateItem>;

export const UpdateAllocationItem = z.object({
  id: z.number().int(),
  quota: z.number().int().min(0).nullish(),
  startDate: z.number().int().min(0).nullish(),
  endDate: z.number().int().min(0).nullish(),
});
export type UpdateAllocationItem = z.infer<typeof UpdateAllocationItem>;

export const JobUsageRequest = z.object({ jobId: z.string().min(1, 'must not be empty') });

/** What a job has been charged: one entry per accounting period it ran in. */
export const JobUsage = z.object({
  jobId: z.string(),
  category: Category,
  owner: WalletOwner,
  periodsCharged: z.number().int(),
  totalCharged: z.number().int(),
  charges: z.array(
    z.object({ period: z.number().int(), amount: z.number().int(), chargedAt: z.number().int() }),
  ),
});
export type JobUsage = z.infer<typeof JobUsage>;
