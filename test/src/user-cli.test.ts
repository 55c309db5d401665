import { ShellConnection } from '@ucloud/cli/shell';
import { spawn as spawnPty } from 'node-pty';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, cliEnv, runBin, startBin } from './cli.js';
import { acmeBatch, useStack, waitForJob } from './harness.js';

/** An application that prints a line and exits with the code it is given. */
const EXITER = {
  like: 'acme-batch',
  metadata: { name: 'acme-exit', version: '1.0.0', title: 'Exits with a code' },
  invocation: {
    invocation: [
      { type: 'word', word: '/bin/sh' },
      { type: 'word', word: '-c' },
      { type: 'word', word: 'echo "exiting with $1"; exit $1' },
      { type: 'word', word: 'acme-exit' },
      { type: 'var', variableNames: ['code'] },
    ],
    parameters: [{ type: 'integer', name: 'code', optional: false, title: 'Code' }],
  },
};

const stack = useStack({ catalog: { applications: [EXITER] } });
const client = stack.client();

const ucloud = (...args: string[]) => runBin('ucloud', cliEnv(stack.url, stack.userToken), args);

/** What acme-batch prints for `value` in `steps` steps. */
const acmeOutput = (value: string, steps: number) =>
  `acme-batch: value=${value} debug=false\n` +
  Array.from({ length: steps }, (_, i) => `step ${i + 1} of ${steps}\n`).join('') +
  'done\n';

const created = async (value: string, steps: number) => {
  const { responses } = await client.jobs.create.mutate({ items: [acmeBatch(value, steps)] });
  return responses[0]!.id;
};

describe('ucloud run --follow', () => {
  it("prints the job's exact output and exits 0 when it succeeds", async () => {
    const run = await ucloud(
      'run',
      'acme-batch',
      '--product',
      'example-compute',
      '--param',
      'value=hello world',
      '--param',
      'steps=2',
      '--follow',
    );
    expect(run.stdout).toBe(acmeOutput('hello world', 2));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^job (\d+) submitted\n/);
    expect(run.stderr).toMatch(/job \d+ SUCCESS: The job exited with code 0\n$/);
    // Not a terminal: no colours, no spinner.
    expect(run.stderr).not.toContain('\x1b');
  });

  it("exits with the job's own exit code", async () => {
    const run = await ucloud(
      'run',
      'acme-exit@1.0.0',
      '--product',
      'example-compute@example',
      '--param',
      'code=3',
      '-f',
    );
    expect(run.stdout).toBe('exiting with 3\n');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/SUCCESS: The job exited with code 3\n$/);
  });

  it('prefixes each line with its rank when the job has several', async () => {
    const run = await ucloud(
      'run',
      'acme-batch',
      '--product',
      'example-compute',
      '--param',
      'value=two',
      '--param',
      'steps=1',
      '--replicas',
      '2',
      '--follow',
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    for (const rank of [0, 1])
      expect(lines.filter((l) => l.startsWith(`[${rank}] `))).toEqual(
        acmeOutput('two', 1)
          .trimEnd()
          .split('\n')
          .map((l) => `[${rank}] ${l}`),
      );
    expect(lines).toHaveLength(6);
  });

  it('prints the follow messages as JSON lines with --json', async () => {
    const run = await ucloud(
      'run',
      'acme-batch',
      '--product',
      'example-compute',
      '--param',
      'value=json',
      '--param',
      'steps=1',
      '--follow',
      '--json',
    );
    expect(run.code, run.stderr).toBe(0);
    const messages = run.stdout
      .trimEnd()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            id: string;
            updates: { state: string | null }[];
            log: { stdout: string | null }[];
          },
      );
    expect(messages.flatMap((m) => m.updates.map((u) => u.state))).toEqual([
      'IN_QUEUE',
      'RUNNING',
      'SUCCESS',
    ]);
    expect(messages.flatMap((m) => m.log.map((l) => l.stdout ?? '')).join('')).toBe(
      acmeOutput('json', 1),
    );
    expect(messages.every((m) => typeof m.id === 'string')).toBe(true);
  });

  it('refuses what the application or the provider does not have, naming the flag (exit 2)', async () => {
    const unknown = await ucloud(
      'run',
      'acme-batch',
      '--product',
      'example-compute',
      '--param',
      'colour=red',
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^error: --param colour: acme-batch@1.0.0 has no parameter colour \(it has: /,
    );
    const product = await ucloud('run', 'acme-batch', '--product', 'no-such', '--param', 'value=x');
    expect(product.code).toBe(2);
    expect(product.stderr).toContain(
      'error: --product: no product no-such (available: example-compute@example',
    );
    const duration = await ucloud(
      'run',
      'acme-batch',
      '--product',
      'example-compute',
      '--time',
      '90',
    );
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain('expected a duration such as 1h30m');
  });
});

describe('ucloud follow', () => {
  it('loses and repeats no line when the orchestrator is SIGKILLed and restarted', async () => {
    const id = await created('across a restart', 6);
    const follow = startBin('ucloud', cliEnv(stack.url, stack.userToken), ['follow', id]);
    await follow.sees(/step 1 of 6\n/);
    await stack.kill('orchestrator', 'SIGKILL');
    await new Promise((r) => setTimeout(r, 3000));
    await stack.start('orchestrator');
    const run = await follow.done;
    expect(run.stdout).toBe(acmeOutput('across a restart', 6));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^lost the connection \(.+\); reconnecting…$/m);
    expect(run.stderr).toMatch(/^reconnected: following job \d+ again$/m);
    expect(run.stderr).toMatch(/SUCCESS: The job exited with code 0\n$/);
  });

  it('ends with 143 when the job is terminated, and logs prints the output of one rank', async () => {
    const id = await created('terminated', 600);
    const follow = startBin('ucloud', cliEnv(stack.url, stack.userToken), ['follow', id]);
    await follow.sees(/step 1 of 600\n/);
    const terminated = await ucloud('terminate', id);
    expect(terminated).toMatchObject({ code: 0, stdout: `job ${id} terminated\n` });
    const run = await follow.done;
    expect(run.code).toBe(143);
    expect(run.stderr).toMatch(/SUCCESS: Your job has been cancelled!\n$/);

    const logs = await ucloud('logs', id, '--rank', '0');
    expect(logs.code).toBe(143);
    expect(logs.stdout).toMatch(/^acme-batch: value=terminated debug=false\nstep 1 of 600\n/);
    expect(logs.stderr).not.toContain('RUNNING');
  });

  it('stops following at Ctrl-C (exit 130), leaving the job running', async () => {
    const id = await created('interrupted', 600);
    const follow = startBin('ucloud', cliEnv(stack.url, stack.userToken), ['follow', id]);
    await follow.sees(/step 1 of 600\n/);
    follow.child.kill('SIGINT');
    const run = await follow.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain(`stopped following job ${id}; it goes on (ucloud follow ${id})`);
    expect((await client.jobs.retrieve.query({ id })).status.state).toBe('RUNNING');
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });

  it('says why it cannot follow a job it cannot see (exit 1)', async () => {
    const run = await ucloud('follow', '999999');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: /);
  });
});

describe('ucloud for people and for scripts', () => {
  it('lists, filters and shows jobs; --json parses', async () => {
    const id = await created('listed', 0);
    await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
    const ls = await ucloud('ls', '--state', 'SUCCESS', '--app', 'acme-batch');
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^ID\s+STATE\s+APPLICATION\s+PRODUCT\s+NAME\s+CREATED\n/);
    expect(ls.stdout).toMatch(
      new RegExp(`^${id}\\s+SUCCESS\\s+acme-batch@1.0.0\\s+example-compute@example`, 'm'),
    );
    expect(ls.stdout).not.toContain('\x1b');

    const json = await ucloud('ls', '--json', '--limit', '500');
    const jobs = JSON.parse(json.stdout) as { id: string }[];
    expect(jobs.map((j) => j.id)).toContain(id);
    const running = JSON.parse((await ucloud('ls', '--state', 'RUNNING', '--json')).stdout) as {
      id: string;
    }[];
    expect(running.map((j) => j.id)).not.toContain(id);

    const show = await ucloud('show', id);
    expect(show.stdout).toMatch(
      new RegExp(`^job ${id}\nstate +SUCCESS\napplication +acme-batch@1.0.0\n`),
    );
    expect(show.stdout).toMatch(/^value\s+listed$/m);
    expect(show.stdout).toMatch(/IN_QUEUE[\s\S]*RUNNING[\s\S]*SUCCESS/);
    expect((JSON.parse((await ucloud('show', id, '--json')).stdout) as { id: string }).id).toBe(id);
  });

  it('lists applications, products and wallets, as tables and as JSON', async () => {
    expect((await ucloud('apps')).stdout).toMatch(/^acme-batch\s+1.0.0\s+/m);
    const apps = JSON.parse((await ucloud('apps', '--json')).stdout) as {
      metadata: { name: string };
    }[];
    expect(apps.map((a) => a.metadata.name)).toContain('acme-exit');
    expect((await ucloud('products')).stdout).toMatch(
      /^example-compute\s+example-compute\s+example\s/m,
    );
    expect(JSON.parse((await ucloud('products', '--json')).stdout)).toEqual(expect.any(Array));
    const wallets = await ucloud('wallets', '--json');
    expect(wallets.code, wallets.stderr).toBe(0);
    expect(JSON.parse(wallets.stdout)).toEqual(expect.any(Array));
  });

  it('extends, suspends and resumes a running job', async () => {
    const run = await ucloud(
      'run',
      'acme-batch',
      '--product',
      'example-compute',
      '--param',
      'value=controlled',
      '--param',
      'steps=600',
      '--time',
      '1h',
    );
    const id = /^job (\d+) submitted/.exec(run.stdout)![1]!;
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    expect((await ucloud('extend', id, '--time', '1h30m')).stdout).toBe(
      `job ${id} extended by 1h30m\n`,
    );
    expect((await ucloud('suspend', id)).stdout).toBe(`job ${id} suspended\n`);
    await waitForJob(client, id, (j) => j.status.state === 'SUSPENDED');
    expect((await ucloud('unsuspend', id)).stdout).toBe(`job ${id} resumed\n`);
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    await ucloud('terminate', id);
  });

  it('runs the operator commands as `ucloud admin`', async () => {
    const run = await runBin('ucloud', cliEnv(stack.url, stack.adminToken), [
      'admin',
      'users',
      'list',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ucloud-admin\s+ADMIN/m);
  });

  it('takes its settings from flags, then the environment, then the config file', async () => {
    const config = join(stack.dataDir, 'cli-config.json');
    writeFileSync(config, JSON.stringify({ url: stack.url, token: stack.userToken }));
    // The URL and the token from the file alone, then the token from the environment and a flag.
    const env = (extra: Record<string, string>) => {
      const { UCLOUD_URL: _, ...rest } = cliEnv(stack.url, null, { UCLOUD_CONFIG: config });
      return { ...rest, ...extra };
    };
    const fromFile = await runBin('ucloud', env({}), ['apps', '--json']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const envWins = await runBin('ucloud', env({ UCLOUD_TOKEN: 'wrong-token' }), ['apps']);
    expect(envWins.code).toBe(1);
    expect(envWins.stderr).toMatch(/^error: The bearer token is not known/);
    const flagWins = await runBin('ucloud', env({ UCLOUD_TOKEN: 'wrong-token' }), [
      '--token',
      stack.userToken,
      'apps',
      '--json',
    ]);
    expect(flagWins.code, flagWins.stderr).toBe(0);
  });

  it('prints a completion script and answers completions', async () => {
    expect((await ucloud('completion')).stdout).toContain('ucloud completion - begin');
    const words = await ucloud('--compbash', '--compgen', '2', 'admin', 'ucloud admin ');
    expect(words.stdout.split('\n')).toEqual(expect.arrayContaining(['wallets', 'allocations']));
  });
});

describe('ucloud shell', () => {
  it('types into a shell in a running job and reads its output', async () => {
    const id = await created('shell', 600);
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    const { responses } = await client.jobs.openInteractiveSession.mutate({
      items: [{ id, rank: 0, sessionType: 'SHELL' }],
    });
    const opened = responses[0]!;
    if (opened.session.type !== 'shell') throw new Error(`got a ${opened.session.type} session`);
    const shell = await ShellConnection.open({
      providerDomain: opened.providerDomain,
      providerId: opened.providerId,
      sessionIdentifier: opened.session.sessionIdentifier,
      size: { cols: 100, rows: 30 },
    });
    let output = '';
    shell.onData((data) => (output += data));
    shell.input('echo "rank=$UCLOUD_RANK"; stty size\n');
    for (let i = 0; i < 200 && !/rank=0\r?\n30 100/.test(output); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(output).toMatch(/rank=0\r?\n30 100/);
    shell.input('exit\n');
    expect(await shell.ended).toMatchObject({ status: 200, code: 1000 });
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });

  it('is a terminal in the job through `ucloud shell` in a pseudo-terminal', async () => {
    const id = await created('shell in a tty', 600);
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    const terminal = spawnPty(process.execPath, [binPath('ucloud'), 'shell', id], {
      cols: 90,
      rows: 20,
      env: cliEnv(stack.url, stack.userToken),
    });
    let output = '';
    terminal.onData((data) => (output += data));
    const exited = new Promise<number>((resolve) => {
      terminal.onExit(({ exitCode }) => {
        resolve(exitCode);
      });
    });
    const sees = async (pattern: RegExp) => {
      for (let i = 0; i < 200 && !pattern.test(output); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(output).toMatch(pattern);
    };
    // Typed as a person types: the shell's prompt, then a line ended with Enter.
    await sees(/[#$] $/);
    terminal.write('echo "in rank $UCLOUD_RANK"; stty size\r');
    await sees(/in rank 0\r*\n20 90/);
    // The new size reaches the shell after the CLI's SIGWINCH: ask until it has.
    terminal.resize(100, 30);
    for (let i = 0; i < 20 && !/30 100/.test(output); i++) {
      terminal.write('stty size\r');
      await new Promise((r) => setTimeout(r, 250));
    }
    await sees(/30 100/);
    terminal.write('exit\r');
    expect(await exited).toBe(0);
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });
});
