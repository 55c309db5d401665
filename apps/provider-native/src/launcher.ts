import { spawn } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { readProcStat } from './proc.js';

/** Where a rank's output and exit code go inside the job's directory. */
export const rankFiles = (jobDir: string, rank: number) => ({
  stdout: join(jobDir, `rank-${rank}.stdout`),
  stderr: join(jobDir, `rank-${rank}.stderr`),
  exitCode: join(jobDir, `rank-${rank}.exit`),
});

/**
 * Runs the command in the background and records its exit code once it has ended, which is also
 * when all of its output is in the files. The wrapper traps TERM only to survive it: the group
 * signal already reaches the command, and the trapped signal just interrupts `wait`, which is
 * then resumed until the command has really exited. SIGKILL ends the wrapper without a record.
 */
const WRAPPER = `
exit_file=$1
shift
interrupted=
trap 'interrupted=1' TERM
"$@" &
child=$!
while :; do
  interrupted=
  wait "$child"
  code=$?
  [ -z "$interrupted" ] && break
  kill -0 "$child" 2>/dev/null || break
done
printf '%s\\n' "$code" > "$exit_file"
`;

export interface LaunchedRank {
  rank: number;
  /** The wrapper's pid, which is also the process group id of the rank. */
  pid: number;
  startTime: string;
}

export interface LaunchOptions {
  jobDir: string;
  rank: number;
  argv: string[];
  env: Record<string, string>;
  /**
   * Called when the rank exits, if it does while this process runs (its exit code and output are
   * written by then). A rank found again after a restart has no such call; the monitor finds it.
   */
  onExit?: () => void;
}

/**
 * Starts one rank detached in its own session and process group, with stdout/stderr going
 * straight to files, so it outlives the plugin.
 */
export function launchRank(options: LaunchOptions): LaunchedRank {
  const files = rankFiles(options.jobDir, options.rank);
  rmSync(files.exitCode, { force: true });
  const out = openSync(files.stdout, 'a');
  const err = openSync(files.stderr, 'a');
  try {
    const child = spawn(
      '/bin/sh',
      ['-c', WRAPPER, 'ucloud-rank', files.exitCode, ...options.argv],
      {
        cwd: options.jobDir,
        env: options.env,
        detached: true,
        stdio: ['ignore', out, err],
      },
    );
    // Failures to spawn /bin/sh itself arrive asynchronously; a missing pid already tells us.
    child.on('error', () => undefined);
    if (options.onExit) child.on('exit', options.onExit);
    if (child.pid === undefined) throw new Error('the process could not be spawned');
    child.unref();
    // Our own child cannot be reaped before the event loop runs again, so /proc still has it.
    const stat = readProcStat(child.pid);
    if (stat === null) throw new Error(`process ${child.pid} vanished right after spawning`);
    return { rank: options.rank, pid: child.pid, startTime: stat.startTime };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

/** How a rank ended, as its wrapper recorded it. */
export interface RankExit {
  code: number;
  /** When the command exited (Unix epoch ms): the record is written at that moment. */
  endedAt: number;
}

/** What the wrapper recorded for a rank, or null when it recorded nothing. */
export function readRankExit(jobDir: string, rank: number): RankExit | null {
  const file = rankFiles(jobDir, rank).exitCode;
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? { code: Number(text), endedAt: statSync(file).mtimeMs } : null;
  } catch {
    return null;
  }
}

/** The executable `command` names, looked up like a shell would; null when there is none. */
export function resolveCommand(command: string, path: string, cwd: string): string | null {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : path.split(delimiter).map((dir) => resolve(cwd, dir, command));
  return candidates.find(isExecutableFile) ?? null;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
