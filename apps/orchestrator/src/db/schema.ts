import type { InteractiveSessionType, JobState } from '@ucloud/contracts';
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/**
 * The spec's job states: a `state` column holds nothing else. Written out rather than imported,
 * so that drizzle-kit can load this file on its own; schema.test.ts keeps it complete.
 */
export const JOB_STATES = [
  'IN_QUEUE',
  'RUNNING',
  'CANCELING',
  'SUCCESS',
  'FAILURE',
  'EXPIRED',
  'SUSPENDED',
] as const satisfies readonly JobState[];

/**
 * Not ended: written out (not bound parameters) so that SQLite can match it to the partial index
 * `jobs_active`. schema.test.ts checks it names every final state.
 */
export const ACTIVE = sql.raw(`state not in ('SUCCESS', 'FAILURE', 'EXPIRED')`);

/** The spec's interactive session types, written out for the same reason. */
export const SESSION_TYPES = [
  'WEB',
  'VNC',
  'SHELL',
] as const satisfies readonly InteractiveSessionType[];

export const users = sqliteTable('users', {
  username: text('username').primaryKey(),
  admin: integer('admin', { mode: 'boolean' }).notNull().default(false),
  /** Reads every wallet, job and project; changes nothing. */
  operator: integer('operator', { mode: 'boolean' }).notNull().default(false),
  /** A disabled user's tokens are refused; the user and their jobs stay. */
  disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
});

/** A user's API tokens (auth/): many per user, each named, expiring and revocable on its own. */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    username: text('username')
      .notNull()
      .references(() => users.username),
    name: text('name').notNull(),
    /** sha256 of the bearer token; the token itself is never stored. */
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('api_tokens_by_user').on(t.username, t.createdAt)],
);

export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ownerUsername: text('owner_username').notNull(),
    ownerProject: text('owner_project'),
    /** The user's name for the job (specification.name), kept apart for search. */
    name: text('name'),
    applicationName: text('application_name').notNull(),
    applicationVersion: text('application_version').notNull(),
    provider: text('provider').notNull(),
    productId: text('product_id').notNull(),
    productCategory: text('product_category').notNull(),
    /** specification.replicas, kept apart for charging. */
    replicas: integer('replicas').notNull().default(1),
    /** The JobSpecification as accepted (normalised JSON). */
    specification: text('specification').notNull(),
    state: text('state', { enum: JOB_STATES }).notNull(),
    startedAt: integer('started_at'),
    expiresAt: integer('expires_at'),
    /** Milliseconds; null when the job has no deadline. */
    timeAllocationMs: integer('time_allocation_ms'),
    allowRestart: integer('allow_restart', { mode: 'boolean' }).notNull().default(false),
    outputFolder: text('output_folder'),
    providerGeneratedId: text('provider_generated_id'),
    createdAt: integer('created_at').notNull(),
    /** The timestamp of the job's latest update: a later one is never stamped before it. */
    updatedAt: integer('updated_at'),
    /** Why the system ended the job ("No more credits"); becomes the status of its final update. */
    terminationReason: text('termination_reason'),
    // Metering (see accounting/metering.ts): null period = free to use, 0 = charged once.
    chargePeriodMs: integer('charge_period_ms'),
    chargedPeriods: integer('charged_periods').notNull().default(0),
    /** Time spent RUNNING before `runningSince`. */
    runningMs: integer('running_ms').notNull().default(0),
    runningSince: integer('running_since'),
    /** When the job next owes a charge; null when it owes nothing until its state changes. */
    nextChargeAt: integer('next_charge_at'),
  },
  // Browse walks one of these in id order, filtering as it goes: each filter that can leave few
  // matches among many jobs has one (db/query-plans.test.ts keeps the plans free of scans and sorts).
  (t) => [
    // Only jobs that will owe: a job's creation and end then touch no entry of it.
    index('jobs_next_charge')
      .on(t.nextChargeAt)
      .where(sql`${t.nextChargeAt} is not null`),
    index('jobs_owner_id').on(t.ownerUsername, t.id),
    index('jobs_owner_state').on(t.ownerUsername, t.state, t.id),
    index('jobs_project_id').on(t.ownerProject, t.id),
    index('jobs_project_state').on(t.ownerProject, t.state, t.id),
    index('jobs_provider_state').on(t.provider, t.state),
    index('jobs_provider_id').on(t.provider, t.id),
    index('jobs_state_id').on(t.state, t.id),
    index('jobs_created').on(t.createdAt),
    index('jobs_provider_generated_id')
      .on(t.providerGeneratedId)
      .where(sql`${t.providerGeneratedId} is not null`),
    index('jobs_expires')
      .on(t.expiresAt)
      .where(sql`${t.expiresAt} is not null`),
    // The active jobs alone, which the reconciler pages through; `ACTIVE` must match it verbatim.
    index('jobs_active').on(t.provider, t.id).where(ACTIVE),
  ],
);

/** Every accepted JobUpdate, in order. `seq` is global and doubles as the follow event id. */
export const jobUpdates = sqliteTable(
  'job_updates',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id),
    /** The JobUpdate as the spec serialises it. */
    update: text('update').notNull(),
    /** The job's state once this update was applied. */
    stateAfter: text('state_after', { enum: JOB_STATES }).notNull(),
  },
  (t) => [index('job_updates_job').on(t.jobId, t.seq)],
);

/** Calls to providers decided in a transaction and delivered after commit, retried until acknowledged. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id),
    provider: text('provider').notNull(),
    kind: text('kind', { enum: ['create', 'terminate'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at')
      .notNull()
      .default(sql`(unixepoch() * 1000)`),
  },
  (t) => [index('outbox_due').on(t.nextAttemptAt, t.id), index('outbox_job').on(t.jobId, t.id)],
);

/** How far each provider event stream has been applied; resent events at or below it are ignored. */
export const providerCursors = sqliteTable(
  'provider_cursors',
  {
    provider: text('provider').notNull(),
    stream: text('stream').notNull(),
    seq: text('seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.stream] })],
);

/** Create requests already answered, by the caller's idempotency key: a retry gets the first answer. */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    username: text('username').notNull(),
    key: text('key').notNull(),
    /** sha256 of the request, so reusing a key for a different request is caught. */
    requestHash: text('request_hash').notNull(),
    /** The job ids created, as a JSON array. */
    jobIds: text('job_ids').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.username, t.key] })],
);

/** Who else may see (READ) or control (EDIT) a job; the owner always may, and alone changes this. */
export const jobAcl = sqliteTable(
  'job_acl',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id),
    username: text('username').notNull(),
    permission: text('permission', { enum: ['READ', 'EDIT'] }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.username, t.permission] }),
    index('job_acl_user').on(t.username, t.jobId),
  ],
);

/** Projects own jobs together; `parent` makes sub-projects (allocations flow down the tree). */
export const projects = sqliteTable('projects', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  parentId: text('parent_id'),
  archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
});

export const projectMembers = sqliteTable(
  'project_members',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    username: text('username').notNull(),
    role: text('role', { enum: ['PI', 'ADMIN', 'USER'] }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.username] }),
    index('project_members_user').on(t.username),
  ],
);

export const projectGroups = sqliteTable(
  'project_groups',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    title: text('title').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('project_groups_title').on(t.projectId, t.title)],
);

export const groupMembers = sqliteTable(
  'group_members',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => projectGroups.id),
    username: text('username').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.username] }),
    index('group_members_user').on(t.username),
  ],
);

/** Grants on project jobs go to groups of the job's project (users get grants on personal jobs). */
export const jobGroupAcl = sqliteTable(
  'job_group_acl',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id),
    groupId: text('group_id')
      .notNull()
      .references(() => projectGroups.id),
    permission: text('permission', { enum: ['READ', 'EDIT'] }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.groupId, t.permission] }),
    index('job_group_acl_group').on(t.groupId, t.jobId),
  ],
);

/** One wallet per owner (`user:<name>` or `project:<id>`) and product category. */
export const wallets = sqliteTable(
  'wallets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ownerKey: text('owner_key').notNull(),
    category: text('category').notNull(),
    provider: text('provider').notNull(),
    lastSignificantUpdateAt: integer('last_significant_update_at').notNull().default(0),
  },
  (t) => [uniqueIndex('wallets_owner_category').on(t.ownerKey, t.category, t.provider)],
);

/** The allocations a wallet got from one parent wallet (parentWalletId 0: from the root). */
export const allocationGroups = sqliteTable(
  'allocation_groups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    walletId: integer('wallet_id')
      .notNull()
      .references(() => wallets.id),
    parentWalletId: integer('parent_wallet_id').notNull(),
  },
  (t) => [
    uniqueIndex('allocation_groups_pair').on(t.walletId, t.parentWalletId),
    index('allocation_groups_parent').on(t.parentWalletId),
  ],
);

export const allocations = sqliteTable(
  'allocations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    groupId: integer('group_id')
      .notNull()
      .references(() => allocationGroups.id),
    startDate: integer('start_date').notNull(),
    endDate: integer('end_date').notNull(),
    quota: integer('quota').notNull(),
    /** Charged to this allocation: the wallet's own jobs and, passed up, its children's. */
    usage: integer('usage').notNull().default(0),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('allocations_group').on(t.groupId)],
);

/** One row per job and accounting period: the primary key is what makes charging idempotent. */
export const charges = sqliteTable(
  'charges',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id),
    period: integer('period').notNull(),
    walletId: integer('wallet_id')
      .notNull()
      .references(() => wallets.id),
    amount: integer('amount').notNull(),
    chargedAt: integer('charged_at').notNull(),
    /**
     * JSON [[allocationId, amount], …]: what each allocation (the wallet's, and those above it
     * that the charge was passed up to) paid, so a refund gives back exactly that.
     */
    debits: text('debits').notNull().default('[]'),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.period] }), index('charges_wallet').on(t.walletId)],
);

/** Activated licenses; `deletedAt` marks one that was deactivated (its jobs lose it). */
export const licenses = sqliteTable(
  'licenses',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ownerUsername: text('owner_username').notNull(),
    ownerProject: text('owner_project'),
    productId: text('product_id').notNull(),
    category: text('category').notNull(),
    provider: text('provider').notNull(),
    createdAt: integer('created_at').notNull(),
    deletedAt: integer('deleted_at'),
  },
  (t) => [
    index('licenses_owner').on(t.ownerUsername, t.id),
    index('licenses_project').on(t.ownerProject, t.id),
  ],
);

/** The licenses a job was started with: it may run only while its owner can still use them. */
export const jobLicenses = sqliteTable(
  'job_licenses',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id),
    licenseId: integer('license_id')
      .notNull()
      .references(() => licenses.id),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.licenseId] }),
    index('job_licenses_license').on(t.licenseId),
  ],
);

/**
 * Interactive sessions users opened (sessions/): bound to a user, a job and a rank, reached once
 * through a ticket of which only the sha256 is kept. The gateway that serves one reports when it
 * connected and closed.
 */
export const interactiveSessions = sqliteTable('interactive_sessions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  ticketHash: text('ticket_hash').notNull().unique(),
  jobId: integer('job_id')
    .notNull()
    .references(() => jobs.id),
  rank: integer('rank').notNull(),
  sessionType: text('session_type', { enum: SESSION_TYPES }).notNull(),
  username: text('username').notNull(),
  provider: text('provider').notNull(),
  createdAt: integer('created_at').notNull(),
  /** Until when the ticket may be redeemed. */
  expiresAt: integer('expires_at').notNull(),
  connectedAt: integer('connected_at'),
  closedAt: integer('closed_at'),
  closeReason: text('close_reason'),
});
