import { InvalidArgumentError } from 'commander';

export interface Duration {
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `1h30m`, `90m`, `45s`, `2h`, `1h0m30s`: the API's hours, minutes and seconds, normalised. */
export function parseDuration(text: string): Duration {
  const [whole, h, m, s] = DURATION.exec(text.trim()) ?? [];
  const total = (Number(h ?? 0) * 60 + Number(m ?? 0)) * 60 + Number(s ?? 0);
  if (!whole || !Number.isSafeInteger(total) || total <= 0)
    throw new InvalidArgumentError('expected a duration such as 1h30m, 90m, 45s or 2h');
  return {
    hours: Math.floor(total / 3600),
    minutes: Math.floor(total / 60) % 60,
    seconds: total % 60,
  };
}

/** `1h30m`, as parseDuration reads it, leaving out the parts that are zero. */
export function formatDuration({ hours, minutes, seconds }: Duration): string {
  const parts = [hours && `${hours}h`, minutes && `${minutes}m`, seconds && `${seconds}s`];
  return parts.filter(Boolean).join('') || '0s';
}
