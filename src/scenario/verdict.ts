import type { ExpectationResult, Verdict } from './types.js';

/**
 * An expectation's result has three values, as a Jepsen checker's may: it
 * holds, it does not, or the timeline cannot tell (too few samples, probes
 * that got no answer, a check that threw). "Could not judge" is neither.
 */
type Evidence = ExpectationResult['evidence'];

export function pass(observed: string, evidence: Evidence = []): ExpectationResult {
  return { verdict: 'pass', observed, evidence };
}

export function fail(observed: string, evidence: Evidence = []): ExpectationResult {
  return { verdict: 'fail', observed, evidence };
}

export function unknown(observed: string, evidence: Evidence = []): ExpectationResult {
  return { verdict: 'unknown', observed, evidence };
}

/** `pass` when the condition holds, `fail` when not: for conditions the timeline always decides. */
export function judged(holds: boolean, observed: string, evidence: Evidence = []): ExpectationResult {
  return { verdict: holds ? 'pass' : 'fail', observed, evidence };
}

/** `pass` or `fail`, for a condition the timeline always decides. */
export function verdictOf(holds: boolean): Verdict {
  return holds ? 'pass' : 'fail';
}

/** Several parts that must all hold: any failure fails, else any unknown is unknown. */
export function allOf(...verdicts: Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('unknown')) return 'unknown';
  return 'pass';
}

/** The word reports print: PASS, FAIL, UNKNOWN. */
export function verdictWord(verdict: Verdict): string {
  return verdict.toUpperCase();
}

/** Tally of verdicts, e.g. for "10 of 12 hold, 1 fails, 1 could not be judged". */
export function countVerdicts(verdicts: readonly Verdict[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { pass: 0, fail: 0, unknown: 0 };
  for (const v of verdicts) counts[v] += 1;
  return counts;
}

/** "10 of 12 expectations hold; 1 fails; 1 could not be judged" */
export function describeCounts(verdicts: readonly Verdict[], noun = 'expectations'): string {
  const c = countVerdicts(verdicts);
  const parts = [`${c.pass} of ${verdicts.length} ${noun} hold`];
  if (c.fail > 0) parts.push(`${c.fail} ${c.fail === 1 ? 'does' : 'do'} not`);
  if (c.unknown > 0) parts.push(`${c.unknown} could not be judged`);
  return parts.join('; ');
}
