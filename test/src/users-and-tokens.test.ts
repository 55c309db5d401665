import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { acmeBatch, errorOf, useStack, waitForJob } from './harness.js';

const stack = useStack();
const cli = (token: string | null, ...args: string[]) => runCli(stack.url, token, ...args);
const admin = (...args: string[]) => cli(stack.adminToken, ...args);

/** Issues a token through the CLI as `by`, answering its id and secret. */
async function issue(by: string, ...args: string[]) {
  const run = await cli(by, 'tokens', 'issue', ...args);
  expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
  const [, id] = /^token (\S+) issued to /.exec(run.stdout)!;
  const [, token] = /^bearer token \(shown only now\): (\S+)$/m.exec(run.stdout)!;
  return { id: id!, token: token! };
}

const refusal = (why: string) => ({ code: 1, stdout: '', stderr: `error: ${why}\n` });
/** The owners of the wallets the caller sees, from `wallets list --json`. */
async function walletOwners(token: string): Promise<string[]> {
  const run = await cli(token, 'wallets', 'list', '--json');
  const wallets = JSON.parse(run.stdout) as Array<{ owner: { username?: string } }>;
  return wallets.map((w) => w.owner.username ?? '');
}

const DATE = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

describe('users and tokens through ucloud-admin', () => {
  it('creates a user, issues them a token they use, and lists it without its secret', async () => {
    expect(await admin('users', 'create', 'carol')).toMatchObject({
      code: 0,
      stdout: 'user carol created\n',
    });
    const laptop = await issue(stack.adminToken, 'laptop', '--user', 'carol');
    expect(await cli(laptop.token, 'wallets', 'list')).toMatchObject({ code: 0, stderr: '' });
    const listed = await cli(laptop.token, 'tokens', 'list');
    expect(listed.stdout).toMatch(new RegExp(`^${laptop.id}\\s+carol\\s+laptop\\s+active\\s`, 'm'));
    expect(listed.stdout).not.toContain(laptop.token);
    expect((await admin('users', 'list')).stdout).toMatch(/^carol\s+-\s+active\s/m);
  });

  it('refuses an unknown, an expired and a revoked token, saying which', async () => {
    expect(await cli('no-such-token', 'wallets', 'list')).toEqual(
      refusal('The bearer token is not known'),
    );
    const own = await issue(stack.adminToken, 'own', '--user', 'carol');
    const brief = await issue(own.token, 'brief', '--expires', String(Date.now() + 1500));
    expect(await cli(brief.token, 'wallets', 'list')).toMatchObject({ code: 0 });
    await new Promise((r) => setTimeout(r, 2000));
    const expired = await cli(brief.token, 'wallets', 'list');
    expect(expired.stderr).toMatch(new RegExp(`^error: The bearer token expired on ${DATE}\n$`));

    expect(await cli(own.token, 'tokens', 'revoke', own.id)).toMatchObject({
      stdout: `token ${own.id} revoked\n`,
    });
    const revoked = await cli(own.token, 'wallets', 'list');
    expect(revoked.stderr).toMatch(
      new RegExp(`^error: The bearer token was revoked on ${DATE}\n$`),
    );
  });

  it('keeps users from other users’ tokens, and refuses a disabled user', async () => {
    const carol = await issue(stack.adminToken, 'again', '--user', 'carol');
    // The field's name before the colon is the CLI's to choose (the API's, or the flag's).
    const others = await cli(carol.token, 'tokens', 'list', '--user', 'user');
    expect(others).toMatchObject({ code: 1, stdout: '' });
    expect(others.stderr).toMatch(/^error: \S+: only administrators manage other users' tokens\n$/);
    expect(await cli(carol.token, 'users', 'create', 'mallory')).toEqual(
      refusal('Only administrators create users'),
    );
    expect(await admin('users', 'disable', 'carol')).toMatchObject({
      stdout: 'user carol disabled\n',
    });
    expect(await cli(carol.token, 'wallets', 'list')).toEqual(
      refusal('The user carol is disabled'),
    );
  });
});

describe('the operator role', () => {
  it('reads every wallet, job, project and job usage, and changes nothing', async () => {
    await admin('users', 'create', 'olga', '--role', 'OPERATOR');
    const olga = (await issue(stack.adminToken, 'ops', '--user', 'olga')).token;
    const user = stack.client();
    const id = (await user.jobs.create.mutate({ items: [acmeBatch('watched', 1)] })).responses[0]!
      .id;
    await waitForJob(user, id, (j) => j.status.state === 'SUCCESS');
    const created = await admin('projects', 'create', 'Chemistry', '--pi', 'user');
    const project = /^project (\S+) created/.exec(created.stdout)![1]!;

    expect(await walletOwners(olga)).toContain('user');
    expect((await cli(olga, 'jobs', 'usage', id)).stdout).toMatch(
      new RegExp(`^job ${id}: example-compute of provider example, paid by user user\n`),
    );
    expect((await cli(olga, 'projects', 'show', project)).stdout).toContain('Chemistry');
    const seen = stack.client(olga);
    expect((await seen.jobs.retrieve.query({ id })).id).toBe(id);
    expect((await seen.jobs.browse.query({})).items.map((j) => j.id)).toContain(id);
    expect((await cli(olga, 'projects', 'list', '--all')).stdout).toContain('Chemistry');
    const everyProject = await seen.projects.browse.query({ all: true });
    expect(everyProject.items.map((p) => p.id)).toContain(project);
    expect((await seen.projects.browse.query({})).items).toEqual([]);
    expect(await errorOf(user.projects.browse.query({ all: true }))).toMatchObject({
      message: 'all: only administrators and operators list every project',
      data: { httpStatus: 403 },
    });

    expect(await cli(olga, 'projects', 'add-member', project, 'olga')).toEqual(
      refusal('olga is an operator, whose access is read-only: projects.addMember changes state'),
    );
    const terminate = await stack.rest(
      'POST',
      '/api/jobs/terminate',
      { items: [{ id }] },
      {
        token: olga,
      },
    );
    expect(terminate).toMatchObject({
      status: 403,
      body: {
        why: 'olga is an operator, whose access is read-only: jobs.terminate changes state',
      },
    });
  });

  it('lets administrators see every wallet too', async () => {
    expect(await walletOwners(stack.adminToken)).toContain('user');
  });
});
