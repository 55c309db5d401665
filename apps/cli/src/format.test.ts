import type { ApiToken, JobUsage, Project, WalletV2 } from '@ucloud/contracts';
import { describe, expect, it } from 'vitest';
import {
  allocationState,
  jobUsageText,
  projectText,
  table,
  tokensText,
  usersText,
  walletsText,
} from './format.js';

const DAY = 24 * 3600 * 1000;
const NOW = Date.UTC(2025, 5, 1);

const wallet: WalletV2 = {
  owner: { type: 'project', projectId: 'p1' },
  paysFor: {
    name: 'example-compute',
    provider: 'example',
    productType: 'COMPUTE',
    accountingUnit: {
      name: 'DKK',
      namePlural: 'DKK',
      floatingPoint: true,
      displayFrequencySuffix: false,
    },
    accountingFrequency: 'PERIODIC_MINUTE',
    freeToUse: false,
    allowSubAllocations: true,
  },
  allocationGroups: [
    {
      parent: { projectId: null, projectTitle: 'Root', pi: 'alice' },
      group: {
        id: 1,
        usage: 1_000_000,
        allocations: [
          {
            id: 7,
            startDate: NOW - DAY,
            endDate: NOW + DAY,
            quota: 2_500_000,
            grantedIn: null,
            retiredUsage: null,
          },
          {
            id: 12,
            startDate: NOW + DAY,
            endDate: NOW + 2 * DAY,
            quota: 5,
            grantedIn: null,
            retiredUsage: null,
          },
        ],
      },
    },
  ],
  children: null,
  totalUsage: 1_000_000,
  localUsage: 1_000_000,
  maxUsable: 1_500_000,
  quota: 2_500_000,
  totalAllocated: 0,
  lastSignificantUpdateAt: NOW,
};

describe('table', () => {
  it('pads each column to its widest cell without trailing blanks', () => {
    expect(
      table(
        ['A', 'LONG'],
        [
          ['xyz', '1'],
          ['', '22'],
        ],
      ),
    ).toBe('A    LONG\nxyz  1\n     22');
  });
});

describe('walletsText', () => {
  it('shows each wallet, then its allocations with ids, dates and whether they pay now', () => {
    expect(walletsText([wallet], NOW)).toBe(
      [
        'CATEGORY         PROVIDER  UNIT  QUOTA    USAGE    MAX USABLE',
        'example-compute  example   µDKK  2500000  1000000  1500000',
        '',
        'ALLOCATION  CATEGORY         PROVIDER  FROM  QUOTA    START                 END                   STATE',
        '7           example-compute  example   Root  2500000  2025-05-31T00:00:00Z  2025-06-02T00:00:00Z  active',
        '12          example-compute  example   Root  5        2025-06-02T00:00:00Z  2025-06-03T00:00:00Z  future',
      ].join('\n'),
    );
    expect(walletsText([], NOW)).toBe('no wallets in this workspace');
  });

  it('names each wallet’s owner when they have several (every wallet, as administrators see)', () => {
    const alice: WalletV2 = { ...wallet, owner: { type: 'user', username: 'alice' } };
    expect(walletsText([wallet, alice], NOW).split('\n').slice(0, 3)).toEqual([
      'OWNER       CATEGORY         PROVIDER  UNIT  QUOTA    USAGE    MAX USABLE',
      'project p1  example-compute  example   µDKK  2500000  1000000  1500000',
      'user alice  example-compute  example   µDKK  2500000  1000000  1500000',
    ]);
  });
});

describe('allocationState', () => {
  it('pays from the start up to, not including, the end', () => {
    const a = { startDate: 10, endDate: 20 };
    expect([9, 10, 19, 20].map((now) => allocationState(a, now))).toEqual([
      'future',
      'active',
      'active',
      'expired',
    ]);
  });
});

describe('projectText', () => {
  it('lists members with roles and groups with their members', () => {
    const project: Project = {
      id: 'p1',
      createdAt: NOW,
      specification: { parent: null, title: 'Physics' },
      status: {
        archived: false,
        myRole: null,
        members: [
          { username: 'alice', role: 'PI' },
          { username: 'bob', role: 'USER' },
        ],
        groups: [
          {
            id: 'g1',
            createdAt: NOW,
            specification: { project: 'p1', title: 'lab' },
            status: { members: ['alice', 'bob'] },
          },
          {
            id: 'g2',
            createdAt: NOW,
            specification: { project: 'p1', title: 'empty' },
            status: { members: [] },
          },
        ],
        path: 'Physics',
      },
    };
    expect(projectText(project)).toBe(
      [
        'project p1: Physics',
        'path     Physics',
        'parent   -',
        'created  2025-06-01T00:00:00Z',
        'my role  -',
        '',
        'MEMBER  ROLE',
        'alice   PI',
        'bob     USER',
        '',
        'GROUP  TITLE  MEMBERS',
        'g1     lab    alice, bob',
        'g2     empty  -',
      ].join('\n'),
    );
  });
});

describe('jobUsageText', () => {
  it('sums up the charges and lists them by period', () => {
    const usage: JobUsage = {
      jobId: '42',
      category: { name: 'example-compute', provider: 'example' },
      owner: { type: 'user', username: 'alice' },
      periodsCharged: 2,
      totalCharged: 2_000_000,
      charges: [
        { period: 0, amount: 1_000_000, chargedAt: NOW },
        { period: 1, amount: 1_000_000, chargedAt: NOW + 60_000 },
      ],
    };
    expect(jobUsageText(usage)).toBe(
      [
        'job 42: example-compute of provider example, paid by user alice',
        '2 period(s) charged, 2000000 in all',
        '',
        'PERIOD  AMOUNT   CHARGED AT',
        '0       1000000  2025-06-01T00:00:00Z',
        '1       1000000  2025-06-01T00:01:00Z',
      ].join('\n'),
    );
  });
});

describe('users and tokens', () => {
  it('lists users with their roles and state', () => {
    expect(
      usersText([
        { username: 'olga', roles: ['OPERATOR'], disabled: false, createdAt: NOW },
        { username: 'carol', roles: [], disabled: true, createdAt: NOW },
      ]),
    ).toBe(
      [
        'USER   ROLES     STATE     CREATED',
        'olga   OPERATOR  active    2025-06-01T00:00:00Z',
        'carol  -         disabled  2025-06-01T00:00:00Z',
      ].join('\n'),
    );
    expect(usersText([])).toBe('no users');
  });

  it('lists tokens as active, expired or revoked, never with their secret', () => {
    const token: ApiToken = {
      id: 'a1',
      username: 'carol',
      name: 'laptop',
      createdAt: NOW - DAY,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    };
    expect(
      tokensText(
        [
          token,
          { ...token, id: 'b2', expiresAt: NOW, lastUsedAt: NOW - 1000 },
          { ...token, id: 'c3', revokedAt: NOW },
        ],
        NOW,
      ).split('\n'),
    ).toEqual([
      'ID  USER   NAME    STATE                         CREATED               EXPIRES               LAST USED',
      'a1  carol  laptop  active                        2025-05-31T00:00:00Z  never                 never',
      'b2  carol  laptop  expired 2025-06-01T00:00:00Z  2025-05-31T00:00:00Z  2025-06-01T00:00:00Z  2025-05-31T23:59:59Z',
      'c3  carol  laptop  revoked 2025-06-01T00:00:00Z  2025-05-31T00:00:00Z  never                 never',
    ]);
  });
});
