import { InvalidArgumentError } from 'commander';

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Epoch milliseconds from an ISO 8601 date or a count of epoch milliseconds. As in JavaScript, a
 * bare date is midnight UTC and a time without an offset is local time.
 */
export function parseDate(text: string): number {
  if (/^\d+$/.test(text)) {
    const ms = Number(text);
    if (Number.isSafeInteger(ms)) return ms;
  } else {
    const [, year, month, day] = ISO_DATE.exec(text) ?? [];
    const ms = Date.parse(text);
    // Date.parse rolls 2025-02-30 over into March; an operator's typo should fail instead.
    if (year && month && day && !Number.isNaN(ms) && isCalendarDate(year, month, day)) return ms;
  }
  throw new InvalidArgumentError(
    'expected an ISO date (2025-01-31, 2025-01-31T12:00:00Z) or epoch milliseconds',
  );
}

function isCalendarDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/** An allocation's period: from now unless told, for one calendar year unless told. */
export function allocationPeriod(
  start: number | undefined,
  end: number | undefined,
  now: number,
): { startDate: number; endDate: number } {
  const startDate = start ?? now;
  if (end !== undefined) return { startDate, endDate: end };
  const endDate = new Date(startDate);
  endDate.setUTCFullYear(endDate.getUTCFullYear() + 1);
  return { startDate, endDate: endDate.getTime() };
}

/** ISO 8601 in UTC to the second: what the tables show. */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
