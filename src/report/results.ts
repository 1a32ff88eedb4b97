import type { StepRecord, TimelineRecord } from '../observe/records.js';
import type { Verdict } from '../scenario/types.js';
import type { ExpectationOutcome } from './findings.js';

/** How a run ended: all its steps done, stopped by Ctrl-C, or stopped by an error. */
export type RunOutcome = 'completed' | 'interrupted' | 'failed';

/** What a report needs of a finished run. */
export interface RunSummary {
  outcome: RunOutcome;
  expectations: ExpectationOutcome[];
  error?: Error;
}

/** A run's verdicts, machine-readable: what the nightly matrix merges across cells. */
export interface RunResults {
  scenario: string;
  platform: string;
  runId: string;
  startedAt: string;
  outcome: RunOutcome;
  endedAt?: string;
  versions: Record<string, string>;
  expectations: { id: string; title: string; verdict: Verdict; observed: string }[];
  /** The observation windows: how long each lasted and why it ended (stable, or its maximum). */
  windows?: { title: string; seconds: number; ended: string }[];
}

export const RESULTS_FILE = 'results.json';

/** results.json's content for one run, from its timeline and its expectations' outcomes. Pure. */
export function runResults(
  run: { scenario: string; platform: string; runId: string; startedAt: Date; endedAt: Date; outcome: RunOutcome },
  records: readonly TimelineRecord[],
  expectations: ExpectationOutcome[],
): RunResults {
  const versions = records.find((r) => r.kind === 'versions');
  const windows = records
    .filter((r): r is StepRecord => r.kind === 'step' && r.id.startsWith('observe-'))
    .map((s) => ({
      title: s.title,
      seconds: Number(((Date.parse(s.t) - Date.parse(s.startedAt)) / 1000).toFixed(1)),
      ended: s.detail?.replace(/^lasted [\d.]+ s: /, '') ?? '',
    }));
  return {
    scenario: run.scenario,
    platform: run.platform,
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    endedAt: run.endedAt.toISOString(),
    outcome: run.outcome,
    windows,
    versions: versions?.kind === 'versions' ? versions.versions : {},
    expectations: expectations.map((e) => ({ id: e.id, title: e.title, verdict: e.result.verdict, observed: e.result.observed })),
  };
}
