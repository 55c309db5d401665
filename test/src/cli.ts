import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type Bin = 'ucloud' | 'ucloud-admin';

/** A bin of @ucloud/cli as the package declares it, run with this node. */
export function binPath(name: Bin): string {
  const manifest = createRequire(import.meta.url).resolve('@ucloud/cli/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), bin[name]!);
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** No config file of the machine's user: the tests configure the CLI through the environment. */
const NO_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'ucloud-cli-config-'));

/** The CLI's environment: `url` and the token's user, nothing of this process's but PATH. */
export function cliEnv(
  url: string,
  token: string | null,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    XDG_CONFIG_HOME: NO_CONFIG_HOME,
    UCLOUD_URL: url,
    ...extra,
  };
  if (token) env.UCLOUD_TOKEN = token;
  return env;
}

/** Runs a CLI (`ucloud-admin` unless `bin` says) against `url` as the token's user, configured through the environment. */
export function runCli(url: string, token: string | null, ...args: string[]): Promise<Run> {
  return runBin('ucloud-admin', cliEnv(url, token), args);
}

export function runBin(name: Bin, env: Record<string, string>, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [binPath(name), ...args], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** A CLI started in the background, its output collected as it comes. */
export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout matches `pattern`. */
  sees(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The whole run, once the process has exited. */
  done: Promise<Run>;
}

export function startBin(name: Bin, env: Record<string, string>, args: string[]): Running {
  const child = spawn(process.execPath, [binPath(name), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<Run>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }),
    );
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    sees: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stdout)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no ${String(pattern)} on stdout in ${timeoutMs} ms: ${stdout}\n${stderr}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}
