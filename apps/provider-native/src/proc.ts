import { readFileSync, readdirSync } from 'node:fs';
import { errnoCode } from '@ucloud/provider-sdk';

export interface ProcStat {
  /** One letter: R, S, D, T, Z (zombie), X (dead), … */
  state: string;
  pgid: number;
  /** Clock ticks after boot; with the pid it names one process for the machine's uptime. */
  startTime: string;
}

/** Parses /proc/<pid>/stat; null when there is no such process. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, , pgid] = fields;
  const startTime = fields[19];
  if (state === undefined || pgid === undefined || startTime === undefined) return null;
  return { state, pgid: Number(pgid), startTime };
}

/** Whether `pid` is still the process that started at `startTime` and has not exited. */
export function isRunning(pid: number, startTime: string): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/** Pids of the processes of group `pgid` that have not exited. */
export function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcStat(pid);
    if (stat?.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(pid);
  }
  return members;
}

/** Signals every process of group `pgid`; a group that no longer exists is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if (errnoCode(err) !== 'ESRCH') throw err;
  }
}
