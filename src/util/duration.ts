/** Signed durations written the way operators say them: `+31d`, `-2h`, `90s`, `1y`. */

const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  y: 365 * 86_400,
};

const DURATION = /^([+-])?(\d+(?:\.\d+)?)([smhdy])?$/;

/** Seconds in a duration such as `+31d`; a bare number is seconds. Returns undefined when it is not a duration. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, sign, amount, unit] = match;
  const seconds = Number(amount) * UNIT_SECONDS[unit ?? 's']!;
  return sign === '-' ? -seconds : seconds;
}

/** `2678400` → `31d`, `-7200` → `-2h`: the largest unit that divides evenly. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  if (abs === 0) return '+0';
  for (const unit of ['y', 'd', 'h', 'm'] as const) {
    const size = UNIT_SECONDS[unit]!;
    if (abs % size === 0) return `${sign}${abs / size}${unit}`;
  }
  return `${sign}${abs}s`;
}
