/**
 * Parses the one-line-per-record output of `scontrol -o show job|node`: `Key=value` pairs
 * separated by spaces. A value may itself contain spaces (`OS=Linux 6.1 #1 SMP`); a word that
 * does not start a new `Key=` belongs to the value before it.
 */
export function parseKeyValueLines(text: string): Array<Map<string, string>> {
  const records: Array<Map<string, string>> = [];
  for (const line of text.split('\n')) {
    if (!line.includes('=')) continue; // blank, or "No jobs in the system"
    const record = new Map<string, string>();
    let lastKey: string | null = null;
    for (const word of line.trim().split(/ +/)) {
      const [, key, value] = /^([A-Za-z][\w:/.-]*)=(.*)$/.exec(word) ?? [];
      if (key !== undefined && value !== undefined) {
        lastKey = key;
        record.set(key, value);
      } else if (lastKey !== null) {
        record.set(lastKey, `${record.get(lastKey) ?? ''} ${word}`);
      }
    }
    records.push(record);
  }
  return records;
}

/** `[days-]hours:minutes:seconds`, `minutes:seconds` or `minutes` as whole minutes (rounded up). */
export function parseDurationMinutes(text: string): number | null {
  const match = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(text.trim());
  if (!match) return null; // UNLIMITED, Partition_Limit, N/A
  const [, days, a, b, c] = match;
  let seconds: number;
  if (c !== undefined) seconds = Number(a) * 3600 + Number(b) * 60 + Number(c);
  else if (b !== undefined)
    seconds = days !== undefined ? Number(a) * 3600 + Number(b) * 60 : Number(a) * 60 + Number(b);
  else seconds = days !== undefined ? Number(a) * 3600 : Number(a) * 60;
  seconds += Number(days ?? 0) * 86_400;
  return Math.ceil(seconds / 60);
}

/** Slurm's local `YYYY-MM-DDTHH:MM:SS` as epoch ms; null for Unknown/None/N/A. */
export function parseLocalTime(text: string): number | null {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(text)) return null;
  // Without a zone designator, Date parses a date-time as local time, as Slurm prints it.
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? null : ms;
}
