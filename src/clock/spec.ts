import { formatDuration, parseDurationSeconds } from '../util/duration.js';

/**
 * How far a node's clock is from real time, as a scenario writes it:
 * an offset (`+31d`, `-2h`, `+0`, `90s`) or an absolute instant in ISO 8601
 * (`2026-12-24T00:00:00Z`), which becomes the offset to that instant at the
 * moment the clock is set; the clock then keeps running from there.
 */
export type ClockSpec = string;

export class ClockSpecError extends Error {}

export type ParsedClock = { kind: 'offset'; seconds: number } | { kind: 'instant'; at: Date };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export function parseClockSpec(spec: ClockSpec): ParsedClock {
  const text = String(spec).trim();
  const seconds = parseDurationSeconds(text);
  if (seconds !== undefined) return { kind: 'offset', seconds: Math.round(seconds) };
  if (ISO_INSTANT.test(text)) {
    const at = new Date(text.replace(' ', 'T'));
    if (!Number.isNaN(at.getTime())) return { kind: 'instant', at };
  }
  throw new ClockSpecError(
    `bad clock spec "${text}": use an offset like +31d, -2h, +90s or +0, or an ISO instant with a zone like 2026-12-24T00:00:00Z`,
  );
}

/** The offset in whole seconds that the spec means when applied at `now`. */
export function offsetSeconds(spec: ClockSpec, now: Date = new Date()): number {
  const parsed = parseClockSpec(spec);
  if (parsed.kind === 'offset') return parsed.seconds;
  return Math.round((parsed.at.getTime() - now.getTime()) / 1000);
}

/** A node's clock as a report shows it: `+31d` rather than `+2678400`. */
export function describeOffset(seconds: number): string {
  return formatDuration(seconds);
}
