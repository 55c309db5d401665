import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { acmeBatch, useStack, waitForJob } from './harness.js';

const TOKENS = { alice: 'alice-token-0000001', bob: 'bob-token-00000002' };
const COMPUTE = ['--category', 'example-compute', '--provider', 'example'];

const stack = useStack({
  demoCredits: 0,
  extraUsers: [`alice:${TOKENS.alice}`, `bob:${TOKENS.bob}`],
  env: { orchestrator: { ACCOUNTING_TICK_MS: '100' } },
});

/** Runs the CLI as the token's user, configured through the environment as an operator would. */
const cli = (token: string | null, ...args: string[]) => runCli(stack.url, token, ...args);

/** The CLI's answer as JSON, failing the test on any error. */
async function cliJson<T>(token: string, ...args: string[]): Promise<T> {
  const run = await cli(token, ...args, '--json');
  expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as T;
}

const admin = (...args: string[]) => cli(stack.adminToken, ...args);

describe('ucloud-admin against a running stack', () => {
  let project: string;
  let aliceAllocation: number;

  it('creates a project with a PI, adds a member and a group, and shows them', async () => {
    const created = await admin('projects', 'create', 'Physics', '--pi', 'alice');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    project = /^project (\S+) created: Physics$/.exec(created.stdout.trim())![1]!;

    expect((await admin('projects', 'add-member', project, 'bob')).stdout).toBe(
      `bob is USER of project ${project}\n`,
    );
    const group = await cliJson<{ responses: [{ id: string }] }>(
      TOKENS.alice,
      'projects',
      'create-group',
      project,
      'lab',
    );
    const groupId = group.responses[0].id;
    expect((await cli(TOKENS.alice, 'projects', 'add-to-group', groupId, 'bob')).stdout).toBe(
      `bob added to group ${groupId}\n`,
    );

    const shown = await admin('projects', 'show', project);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`project ${project}: Physics\n`);
    expect(shown.stdout).toMatch(/^MEMBER\s+ROLE\nalice\s+PI\nbob\s+USER$/m);
    expect(shown.stdout).toMatch(new RegExp(`^${groupId}\\s+lab\\s+bob$`, 'm'));
    expect((await cli(TOKENS.bob, 'projects', 'list')).stdout).toMatch(
      new RegExp(`^${project}\\s+Physics\\s+USER$`, 'm'),
    );
  });

  it('grants a user and the project quota from the root, which their wallets show', async () => {
    const start = Date.now() - 60_000;
    const nextYear = new Date().getUTCFullYear() + 1;
    const granted = await admin(
      'allocations',
      'grant',
      '--user',
      'alice',
      ...COMPUTE,
      '--quota',
      '2500000',
      '--start',
      String(start),
      '--end',
      `${nextYear}-01-01`,
    );
    expect(granted).toMatchObject({ code: 0, stderr: '' });
    const match =
      /^allocation (\d+) granted to user alice: quota 2500000 in example-compute of provider example, (\S+) to (\S+)$/.exec(
        granted.stdout.trim(),
      )!;
    aliceAllocation = Number(match[1]);
    expect(match.slice(2)).toEqual([
      new Date(start).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      `${nextYear}-01-01T00:00:00Z`,
    ]);
    const projectGrant = await cliJson<{ responses: [{ id: number }] }>(
      stack.adminToken,
      'allocations',
      'grant',
      '--project',
      project,
      ...COMPUTE,
      '--quota',
      '5000000',
    );

    const mine = await cli(TOKENS.alice, 'wallets', 'list');
    expect(mine).toMatchObject({ code: 0, stderr: '' });
    expect(mine.stdout).toMatch(/^example-compute\s+example\s+µDKK\s+2500000\s+0\s+2500000$/m);
    expect(mine.stdout).toMatch(
      new RegExp(
        `^${aliceAllocation}\\s+example-compute\\s+example\\s+Root\\s+2500000\\s.*active$`,
        'm',
      ),
    );

    // The project's wallet, seen by a member through the Project header (UCLOUD_PROJECT).
    const wallets = await cliJson<
      Array<{ owner: unknown; quota: number; maxUsable: number; totalUsage: number }>
    >(TOKENS.bob, '--project', project, 'wallets', 'list');
    expect(wallets).toEqual([
      expect.objectContaining({
        owner: { type: 'project', projectId: project },
        quota: 5_000_000,
        maxUsable: 5_000_000,
        totalUsage: 0,
      }),
    ]);
    expect(JSON.stringify(wallets)).toContain(`"id":${projectGrant.responses[0].id}`);
  });

  it("lets the project's PI pass quota on to a sub-project", async () => {
    const sub = await cliJson<{ responses: [{ id: string }] }>(
      TOKENS.alice,
      'projects',
      'create',
      'Optics',
      '--parent',
      project,
    );
    const subId = sub.responses[0].id;
    const passed = await cli(
      TOKENS.alice,
      'allocations',
      'sub-allocate',
      '--parent-project',
      project,
      '--project',
      subId,
      ...COMPUTE,
      '--quota',
      '1000000',
    );
    expect(passed.stdout).toMatch(
      new RegExp(`^allocation \\d+ passed on from ${project} to project ${subId}: quota 1000000 `),
    );
    const subWallets = await cli(TOKENS.alice, '--project', subId, 'wallets', 'list');
    expect(subWallets.stdout).toMatch(
      /^example-compute\s+example\s+µDKK\s+1000000\s+0\s+1000000$/m,
    );
    expect(subWallets.stdout).toMatch(/\s+Physics\s+1000000\s.*active$/m);
  });

  it("changes an allocation's quota, and the wallet follows", async () => {
    const updated = await admin(
      'allocations',
      'update',
      String(aliceAllocation),
      '--quota',
      '4000000',
    );
    expect(updated).toEqual({
      code: 0,
      stdout: `allocation ${aliceAllocation} updated: quota 4000000\n`,
      stderr: '',
    });
    const [wallet] = await cliJson<Array<{ quota: number; maxUsable: number }>>(
      TOKENS.alice,
      'wallets',
      'list',
    );
    expect(wallet).toMatchObject({ quota: 4_000_000, maxUsable: 4_000_000 });
  });

  it('shows what a job was charged', async () => {
    const alice = stack.client(TOKENS.alice);
    const id = (await alice.jobs.create.mutate({ items: [acmeBatch('charged', 1)] })).responses[0]!
      .id;
    await waitForJob(alice, id, (j) => j.status.state === 'SUCCESS');
    const deadline = Date.now() + 10_000;
    while ((await alice.accounting.retrieveJobUsage.query({ jobId: id })).periodsCharged === 0) {
      if (Date.now() > deadline) throw new Error(`job ${id} was never charged`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const usage = await cli(TOKENS.alice, 'jobs', 'usage', id);
    expect(usage.stdout).toMatch(
      new RegExp(
        `^job ${id}: example-compute of provider example, paid by user alice\n1 period\\(s\\) charged, 1000000 in all\n\nPERIOD\\s+AMOUNT\\s+CHARGED AT\n0\\s+1000000\\s+\\S+Z\n$`,
      ),
    );
  });

  it('removes a member, who then sees neither the project nor its wallets', async () => {
    expect((await admin('projects', 'remove-member', project, 'bob')).stdout).toBe(
      `bob removed from project ${project}\n`,
    );
    expect((await admin('projects', 'show', project)).stdout).not.toMatch(/^bob\s/m);
    expect((await cli(TOKENS.bob, 'projects', 'list')).stdout).toBe('no projects\n');
    expect(await cli(TOKENS.bob, '--project', project, 'wallets', 'list')).toMatchObject({
      code: 1,
      stderr: `error: --project: no project with id "${project}"\n`,
    });
  });

  it('reports what the server refuses on stderr, exiting 1', async () => {
    const refused = await cli(
      TOKENS.alice,
      'allocations',
      'grant',
      '--user',
      'alice',
      ...COMPUTE,
      '--quota',
      '1',
    );
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: only administrators allocate from the root\n',
    });
    expect(await admin('projects', 'show', 'no-such-project')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: <id>: no project with id "no-such-project"\n',
    });
  });

  it('names the flag or argument the server refuses, not its API field', async () => {
    expect(
      await admin('allocations', 'grant', '--user', 'nobody', ...COMPUTE, '--quota', '1'),
    ).toEqual({ code: 1, stdout: '', stderr: 'error: --user: no user named nobody\n' });
    expect(
      await admin(
        'allocations',
        'grant',
        '--user',
        'bob',
        ...COMPUTE.slice(0, 2),
        '--provider',
        'elsewhere',
        '--quota',
        '1',
      ),
    ).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: --category and --provider: /),
    });
    expect(await admin('projects', 'create', 'Chemistry', '--pi', 'nobody')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: --pi: no user named nobody\n',
    });
  });

  it('refuses a bad command line before calling anyone, exiting 2', async () => {
    const tokenless = await cli(null, 'wallets', 'list');
    expect(tokenless).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: no bearer token: pass --token <token>, set UCLOUD_TOKEN or put "token" in the config file\n',
    });
    const badQuota = await admin(
      'allocations',
      'grant',
      '--user',
      'bob',
      ...COMPUTE,
      '--quota',
      'lots',
    );
    expect(badQuota.code).toBe(2);
    expect(badQuota.stderr).toBe(
      "error: option '--quota <n>' argument 'lots' is invalid. expected a whole number\n",
    );
  });
});
