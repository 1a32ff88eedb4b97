import { parseDurationSeconds } from '../util/duration.js';

/**
 * A point in time for a certificate's window: an absolute instant (Date or
 * ISO 8601 text) or an offset from the run's reference instant (`-36d`,
 * `+1h`, `now`).
 */
export type When = Date | string;

export interface ValidityWindow {
  /** notBefore; default: the reference instant. */
  from?: When;
  /** notAfter; give this or `validFor`. */
  until?: When;
  /** Lifetime from `from`, e.g. `30d`, `1y`. */
  validFor?: string;
}

export interface ResolvedWindow {
  notBefore: Date;
  notAfter: Date;
}

export class ValidityError extends Error {}

export function resolveWhen(when: When, reference: Date): Date {
  if (when instanceof Date) return new Date(when.getTime());
  if (when === 'now') return new Date(reference.getTime());
  const offset = parseDurationSeconds(when);
  if (offset !== undefined) return new Date(reference.getTime() + offset * 1000);
  const absolute = new Date(when);
  if (Number.isNaN(absolute.getTime())) {
    throw new ValidityError(`"${when}" is neither an ISO 8601 instant nor an offset like -36d or +1h`);
  }
  return absolute;
}

export function resolveWindow(window: ValidityWindow, reference: Date): ResolvedWindow {
  const notBefore = resolveWhen(window.from ?? 'now', reference);
  let notAfter: Date;
  if (window.until !== undefined) {
    notAfter = resolveWhen(window.until, reference);
  } else if (window.validFor !== undefined) {
    const lifetime = parseDurationSeconds(window.validFor);
    if (lifetime === undefined || lifetime <= 0) {
      throw new ValidityError(`validFor "${window.validFor}" must be a positive duration like 30d or 1y`);
    }
    notAfter = new Date(notBefore.getTime() + lifetime * 1000);
  } else {
    throw new ValidityError('a validity window needs `until` or `validFor`');
  }
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new ValidityError(`notAfter ${notAfter.toISOString()} is not after notBefore ${notBefore.toISOString()}`);
  }
  // X.509 times have whole seconds; keep the window exactly what the certificate will say.
  notBefore.setUTCMilliseconds(0);
  notAfter.setUTCMilliseconds(0);
  return { notBefore, notAfter };
}
