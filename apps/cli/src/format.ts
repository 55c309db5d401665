import type {
  AccountingUnit,
  ApiToken,
  JobUsage,
  Project,
  User,
  WalletOwner,
  WalletV2,
} from '@ucloud/contracts';
import Table from 'cli-table3';
import { formatDate } from './dates.js';

/** cli-table3 without borders: columns padded to their widest cell, two spaces apart. */
const BORDERLESS = {
  chars: Object.fromEntries(
    [
      'top',
      'top-mid',
      'top-left',
      'top-right',
      'bottom',
      'bottom-mid',
      'bottom-left',
      'bottom-right',
      'left',
      'left-mid',
      'mid',
      'mid-mid',
      'right',
      'right-mid',
      'middle',
    ].map((part) => [part, '']),
  ),
  style: { 'padding-left': 0, 'padding-right': 2, head: [], border: [], compact: true },
};

/** A table for people: a header row, then the rows, lines trimmed at the end. */
export function table(header: string[], rows: string[][]): string {
  const t = new Table({ head: header, ...BORDERLESS });
  t.push(...rows);
  return t
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

export const ownerLabel = (owner: WalletOwner): string =>
  owner.type === 'user' ? `user ${owner.username}` : `project ${owner.projectId}`;

/** What one of the API's whole-number amounts counts: millionths where the unit has decimals. */
export const unitLabel = (unit: AccountingUnit): string =>
  unit.floatingPoint ? `µ${unit.name}` : unit.name;

/** Only active allocations pay, so the operator sees which ones are. */
export function allocationState(
  allocation: { startDate: number; endDate: number },
  now: number,
): 'active' | 'expired' | 'future' {
  if (now < allocation.startDate) return 'future';
  return now < allocation.endDate ? 'active' : 'expired';
}

/**
 * One line per wallet, then one per allocation paying into it. Wallets of several owners (an
 * administrator's or operator's view of every wallet) get an OWNER column first.
 */
export function walletsText(wallets: WalletV2[], now: number): string {
  if (wallets.length === 0) return 'no wallets in this workspace';
  const several = new Set(wallets.map((w) => ownerLabel(w.owner))).size > 1;
  const owned = (w: WalletV2, cells: string[]) =>
    several ? [ownerLabel(w.owner), ...cells] : cells;
  const heading = (header: string[]) => (several ? ['OWNER', ...header] : header);
  const summary = table(
    heading(['CATEGORY', 'PROVIDER', 'UNIT', 'QUOTA', 'USAGE', 'MAX USABLE']),
    wallets.map((w) =>
      owned(w, [
        w.paysFor.name,
        w.paysFor.provider,
        unitLabel(w.paysFor.accountingUnit),
        String(w.quota),
        String(w.totalUsage),
        String(w.maxUsable),
      ]),
    ),
  );
  const allocations = table(
    heading(['ALLOCATION', 'CATEGORY', 'PROVIDER', 'FROM', 'QUOTA', 'START', 'END', 'STATE']),
    wallets.flatMap((w) =>
      w.allocationGroups.flatMap(({ parent, group }) =>
        group.allocations.map((a) =>
          owned(w, [
            String(a.id),
            w.paysFor.name,
            w.paysFor.provider,
            parent?.projectTitle ?? 'Root',
            String(a.quota),
            formatDate(a.startDate),
            formatDate(a.endDate),
            allocationState(a, now),
          ]),
        ),
      ),
    ),
  );
  return `${summary}\n\n${allocations}`;
}

export function projectsText(projects: Project[]): string {
  if (projects.length === 0) return 'no projects';
  return table(
    ['ID', 'PATH', 'MY ROLE'],
    projects.map((p) => [p.id, p.status.path, p.status.myRole ?? '-']),
  );
}

/** A project with its members and groups (as retrieved with both included). */
export function projectText(project: Project): string {
  const lines = [
    `project ${project.id}: ${project.specification.title}`,
    `path     ${project.status.path}`,
    `parent   ${project.specification.parent ?? '-'}`,
    `created  ${formatDate(project.createdAt)}`,
    `my role  ${project.status.myRole ?? '-'}`,
  ];
  if (project.status.archived) lines.push('archived');
  const members = project.status.members ?? [];
  lines.push(
    '',
    table(
      ['MEMBER', 'ROLE'],
      members.map((m) => [m.username, m.role]),
    ),
  );
  const groups = project.status.groups ?? [];
  lines.push(
    '',
    groups.length === 0
      ? 'no groups'
      : table(
          ['GROUP', 'TITLE', 'MEMBERS'],
          groups.map((g) => [g.id, g.specification.title, g.status.members.join(', ') || '-']),
        ),
  );
  return lines.join('\n');
}

export function jobUsageText(usage: JobUsage): string {
  const { category } = usage;
  const head = [
    `job ${usage.jobId}: ${category.name} of provider ${category.provider}, paid by ${ownerLabel(usage.owner)}`,
    `${usage.periodsCharged} period(s) charged, ${usage.totalCharged} in all`,
  ];
  if (usage.charges.length === 0) return head.join('\n');
  const charges = table(
    ['PERIOD', 'AMOUNT', 'CHARGED AT'],
    usage.charges.map((c) => [String(c.period), String(c.amount), formatDate(c.chargedAt)]),
  );
  return [...head, '', charges].join('\n');
}

export function usersText(users: User[]): string {
  if (users.length === 0) return 'no users';
  return table(
    ['USER', 'ROLES', 'STATE', 'CREATED'],
    users.map((u) => [
      u.username,
      u.roles.join(',') || '-',
      u.disabled ? 'disabled' : 'active',
      formatDate(u.createdAt),
    ]),
  );
}

const tokenState = (t: ApiToken, now: number): string =>
  t.revokedAt !== null
    ? `revoked ${formatDate(t.revokedAt)}`
    : t.expiresAt !== null && t.expiresAt <= now
      ? `expired ${formatDate(t.expiresAt)}`
      : 'active';

export function tokensText(tokens: ApiToken[], now: number): string {
  if (tokens.length === 0) return 'no tokens';
  return table(
    ['ID', 'USER', 'NAME', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED'],
    tokens.map((t) => [
      t.id,
      t.username,
      t.name,
      tokenState(t, now),
      formatDate(t.createdAt),
      t.expiresAt === null ? 'never' : formatDate(t.expiresAt),
      t.lastUsedAt === null ? 'never' : formatDate(t.lastUsedAt),
    ]),
  );
}
