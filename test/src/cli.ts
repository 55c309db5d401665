import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The `ucloud-admin` bin as the package declares it, run with this node. */
const BIN = (() => {
  const manifest = createRequire(import.meta.url).resolve('@ucloud/admin-cli/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), bin['ucloud-admin']!);
})();

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI against `url` as the token's user, configured through the environment. */
export function runCli(url: string, token: string | null, ...args: string[]): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', UCLOUD_URL: url };
  if (token) env.UCLOUD_TOKEN = token;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}
