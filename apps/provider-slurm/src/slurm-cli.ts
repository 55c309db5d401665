import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { UnavailableError, type SessionStream, type TerminalSize } from '@ucloud/provider-sdk';
import { ptySession } from '@ucloud/provider-sdk/pty';
import {
  ListingParseError,
  parseSacct,
  parseScontrolJobs,
  parseSqueueFields,
  parseSqueueJson,
  SACCT_FIELDS,
  SQUEUE_FIELDS,
  type SlurmJob,
} from './job-listing.js';
import { parseScontrolNodes, parseSinfoJson, type SlurmNode } from './node-listing.js';
import { SbatchShell } from './sbatch-shell.js';

/** A shell to start inside a running job. */
export interface JobShell {
  slurmId: number;
  /** The node it runs on; null leaves it to srun, within the job's nodes. */
  node: string | null;
  /** Absolute; the shell's working directory. */
  cwd: string;
  /** The shell's variables; srun hands its own environment to the task. */
  env: Record<string, string>;
  size: TerminalSize | null;
}

/** What the plugin asks of Slurm. The backend depends on this, not on the commands. */
export interface SlurmCommands {
  /** Submits a batch script; answers the Slurm job id. */
  submit(scriptPath: string): Promise<number>;
  /** Every job slurmctld knows: pending, running and those ended within MinJobAge. */
  jobs(): Promise<SlurmJob[]>;
  /**
   * The jobs of the user the plugin submits as, the same way: all of its own jobs, but selected
   * by slurmctld, which on a busy cluster is a small part of `jobs()`.
   */
  ownJobs(): Promise<SlurmJob[]>;
  /** Of `ids`, the jobs accounting remembers; none when the cluster keeps no accounting. */
  accountedJobs(ids: number[]): Promise<SlurmJob[]>;
  nodes(): Promise<SlurmNode[]>;
  /** The partition jobs without --partition go to. */
  defaultPartition(): Promise<string | null>;
  /** Cancelling a job that has ended or is unknown is not an error. */
  cancel(slurmId: number): Promise<void>;
  suspend(slurmId: number): Promise<void>;
  resume(slurmId: number): Promise<void>;
  extendTimeLimit(slurmId: number, minutes: number): Promise<void>;
  /** The host names of a node list (`node[1-3],gpu1`), in Slurm's order. */
  hostnames(nodeList: string): Promise<string[]>;
  /** A shell on a terminal as a step of the job, sharing the job's resources. */
  shell(target: JobShell): SessionStream;
  /** Ends what the commands keep running (once no submission is under way). */
  close(): void;
}

/** Slurm ran and refused (non-zero exit): the message says why, and retrying will not help. */
export class SlurmCommandError extends Error {
  override readonly name = 'SlurmCommandError';
  constructor(
    readonly command: string,
    readonly detail: string,
  ) {
    super(`${command}: ${detail}`);
  }
}

/** Messages of Slurm commands that could not reach slurmctld; the call may work later. */
const UNREACHABLE =
  /Unable to contact slurm controller|Socket timed out|Connection refused|Zero Bytes were transmitted|Communication connection failure/i;

/**
 * Variables of the plugin's environment that reach sbatch or srun and thus the job; the rest
 * could leak.
 */
const SUBMIT_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'USER', 'LOGNAME', 'SLURM_CONF'];

/** JSON output reports an unreachable controller in its `errors`, with exit code 0. */
function reachable<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ListingParseError && UNREACHABLE.test(err.message)) {
      throw new UnavailableError(`Slurm is not reachable: ${err.message}`);
    }
    throw err;
  }
}

export interface SlurmCliOptions {
  /** How long one command may run. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Slurm's command-line tools, run with execFile (arguments are never parsed by a shell).
 * Uses JSON output where the installed squeue/sinfo have it, `scontrol -o` where they do not,
 * and sacct only where the cluster keeps accounting.
 */
export class SlurmCli implements SlurmCommands {
  private readonly env: NodeJS.ProcessEnv;
  private json: Promise<boolean> | null = null;
  private accounting: boolean | null = null;
  private defaultPartitionName: string | null = null;
  /** Whose jobs ownJobs() lists: sbatch submits as the plugin's own user. */
  private readonly user = userInfo().username;
  private readonly sbatch: SbatchShell;

  constructor(private readonly options: SlurmCliOptions) {
    this.env = options.env ?? process.env;
    this.sbatch = new SbatchShell({ env: this.submitEnv(), timeoutMs: options.timeoutMs });
  }

  async submit(scriptPath: string): Promise<number> {
    const answer = await this.sbatch.submit(scriptPath);
    const detail = answer.output.trim().split('\n').slice(-3).join(' ');
    if (answer.code === 127) {
      throw new SlurmCommandError('sbatch', `not found on PATH (${this.env.PATH ?? ''})`);
    }
    if (answer.code !== 0) {
      throw UNREACHABLE.test(detail)
        ? new UnavailableError(`Slurm is not reachable: sbatch: ${detail}`)
        : new SlurmCommandError('sbatch', detail);
    }
    // "<id>" or "<id>;<cluster>", after any warnings
    const id = Number(answer.output.trim().split('\n').at(-1)?.split(';')[0]);
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new SlurmCommandError('sbatch', `printed no job id: ${detail}`);
    }
    return id;
  }

  close(): void {
    this.sbatch.close();
  }

  async jobs(): Promise<SlurmJob[]> {
    if (await this.hasJson()) {
      // Recent Slurm versions filter --json output like the table; 22.05 lists every job anyway.
      const out = await this.run('squeue', ['--json', '--states=all']);
      return reachable(() => parseSqueueJson(out));
    }
    return parseScontrolJobs(await this.run('scontrol', ['-o', 'show', 'job']));
  }

  async ownJobs(): Promise<SlurmJob[]> {
    const out = await this.run('squeue', [
      '-h',
      '--states=all',
      `--user=${this.user}`,
      `--Format=${SQUEUE_FIELDS}`,
    ]);
    return parseSqueueFields(out);
  }

  async accountedJobs(ids: number[]): Promise<SlurmJob[]> {
    if (ids.length === 0) return [];
    if (this.accounting === null) {
      const config = await this.run('scontrol', ['show', 'config']);
      const type = /^AccountingStorageType\s*=\s*(\S+)/m.exec(config)?.[1] ?? 'none';
      this.accounting = !type.endsWith('/none') && type !== 'none';
    }
    if (!this.accounting) return [];
    const args = ['-X', '-n', '-P', '-j', ids.join(','), '-o', SACCT_FIELDS];
    return parseSacct(await this.run('sacct', args));
  }

  async nodes(): Promise<SlurmNode[]> {
    if (await this.hasJson()) {
      const out = await this.run('sinfo', ['--json']);
      return reachable(() => parseSinfoJson(out));
    }
    return parseScontrolNodes(await this.run('scontrol', ['-o', 'show', 'node']));
  }

  async defaultPartition(): Promise<string | null> {
    if (this.defaultPartitionName === null) {
      const names = (await this.run('sinfo', ['-h', '-o', '%P'])).split('\n');
      const marked = names.find((n) => n.trim().endsWith('*'));
      if (marked === undefined) return null;
      this.defaultPartitionName = marked.trim().slice(0, -1);
    }
    return this.defaultPartitionName;
  }

  async cancel(slurmId: number): Promise<void> {
    try {
      await this.run('scancel', [String(slurmId)]);
    } catch (err) {
      if (err instanceof SlurmCommandError && /Invalid job id|already complet/i.test(err.detail))
        return;
      throw err;
    }
  }

  async suspend(slurmId: number): Promise<void> {
    await this.run('scontrol', ['suspend', String(slurmId)]);
  }

  async resume(slurmId: number): Promise<void> {
    await this.run('scontrol', ['resume', String(slurmId)]);
  }

  async extendTimeLimit(slurmId: number, minutes: number): Promise<void> {
    await this.run('scontrol', ['update', `JobId=${slurmId}`, `TimeLimit=+${minutes}`]);
  }

  async hostnames(nodeList: string): Promise<string[]> {
    const out = await this.run('scontrol', ['show', 'hostnames', nodeList]);
    return out.split('\n').filter((h) => h !== '');
  }

  /**
   * `srun --pty` on a local PTY: srun gives the remote shell a terminal of the PTY's size and
   * forwards later size changes. `--overlap` lets the step share CPUs the ranks hold.
   */
  shell(target: JobShell): SessionStream {
    return ptySession({
      file: 'srun',
      args: [
        '--overlap',
        '--pty',
        '--quiet',
        `--jobid=${target.slurmId}`,
        '--nodes=1',
        '--ntasks=1',
        ...(target.node === null ? [] : [`--nodelist=${target.node}`]),
        `--chdir=${target.cwd}`,
        '/bin/sh',
      ],
      cwd: target.cwd,
      env: { ...this.submitEnv(), ...target.env },
      size: target.size,
    });
  }

  private submitEnv(): Record<string, string> {
    return Object.fromEntries(
      SUBMIT_ENV.flatMap((k) => (this.env[k] === undefined ? [] : [[k, this.env[k]]])),
    );
  }

  /** Whether squeue and sinfo take --json (Slurm 21.08 and later with the openapi plugins). */
  private hasJson(): Promise<boolean> {
    this.json ??= this.run('squeue', ['--help']).then(
      (help) => help.includes('--json'),
      (err: unknown) => {
        this.json = null; // ask again next time
        throw err;
      },
    );
    return this.json;
  }

  private run(command: string, args: string[], env = this.env): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        command,
        args,
        { env, timeout: this.options.timeoutMs, maxBuffer: 256 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (!err) {
            resolve(stdout);
            return;
          }
          const detail = (stderr.trim() || err.message).split('\n').slice(-3).join(' ');
          if (err.code === 'ENOENT') {
            reject(new SlurmCommandError(command, `not found on PATH (${env.PATH ?? ''})`));
          } else if (err.killed || UNREACHABLE.test(detail)) {
            reject(new UnavailableError(`Slurm is not reachable: ${command}: ${detail}`));
          } else {
            reject(new SlurmCommandError(command, detail));
          }
        },
      );
    });
  }
}
