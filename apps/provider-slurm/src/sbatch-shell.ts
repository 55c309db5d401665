import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { type Readable, type Writable } from 'node:stream';
import { UnavailableError } from '@ucloud/provider-sdk';

/**
 * Reads `<n> <script path>` lines and runs `sbatch --parsable <script path>` for each in the
 * background, printing `<n> <exit code> <output>` ended by RS (\036), which sbatch never prints.
 * A record is one short write, so those of concurrent calls do not interleave.
 */
const PROGRAM = `while IFS= read -r line; do
  (
    out=$(sbatch --parsable "\${line#* }" 2>&1)
    code=$?
    printf '%s %s %s\\036' "\${line%% *}" "$code" "$out"
  ) &
done
wait`;

/** How one sbatch call ended: its exit code and its output, stdout and stderr together. */
export interface SbatchAnswer {
  code: number;
  output: string;
}

/**
 * sbatch run by a shell that lives beside the plugin. Starting a process from the plugin blocks
 * its event loop until the child has forked and exec'd, milliseconds each on a busy machine, so
 * that a burst of creates was bound by it; the shell forks instead, off the plugin's thread.
 * Started when first needed, and again if it exits.
 */
export class SbatchShell {
  private shell: ChildProcessByStdio<Writable, Readable, null> | null = null;
  private unparsed = '';
  private sent = 0;
  private readonly answering = new Map<
    number,
    { resolve: (answer: SbatchAnswer) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(
    private readonly options: {
      /** The shell's environment, and so sbatch's. */
      env: NodeJS.ProcessEnv;
      /** How long one sbatch call may take. */
      timeoutMs: number;
    },
  ) {}

  /** UnavailableError when sbatch gives no answer: it may or may not have submitted the job. */
  submit(scriptPath: string): Promise<SbatchAnswer> {
    const n = this.sent++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answering.delete(n);
        reject(new UnavailableError(`sbatch did not answer within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      this.answering.set(n, { resolve, reject, timer });
      this.started().stdin.write(`${n} ${scriptPath}\n`);
    });
  }

  /** Ends the shell once the calls it runs have ended. */
  close(): void {
    this.shell?.stdin.end();
    this.shell = null;
  }

  private started() {
    if (this.shell) return this.shell;
    const shell = spawn('/bin/sh', ['-c', PROGRAM], {
      env: this.options.env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    shell.stdout.setEncoding('utf8');
    shell.stdout.on('data', (chunk: string) => this.read(chunk));
    // Its end is reported as well (close), where the write that failed is answered.
    shell.stdin.on('error', () => undefined);
    const lost = (why: string) => {
      if (this.shell === shell) this.shell = null;
      this.unparsed = '';
      for (const [n, { reject, timer }] of this.answering) {
        clearTimeout(timer);
        reject(new UnavailableError(why));
        this.answering.delete(n);
      }
    };
    shell.on('error', (err) => lost(`could not start the sbatch shell: ${err.message}`));
    shell.on('close', (code, signal) =>
      lost(`the sbatch shell exited (${signal ?? String(code)})`),
    );
    this.shell = shell;
    return shell;
  }

  private read(chunk: string): void {
    const records = (this.unparsed + chunk).split('\x1e');
    this.unparsed = records.pop() ?? '';
    for (const record of records) {
      const [, n, code, output] = /^(\d+) (\d+) ([\s\S]*)$/.exec(record) ?? [];
      const waiting = n === undefined ? undefined : this.answering.get(Number(n));
      if (!waiting || output === undefined) continue; // answered already: it timed out
      clearTimeout(waiting.timer);
      this.answering.delete(Number(n));
      waiting.resolve({ code: Number(code), output });
    }
  }
}
