import type { RunResults } from './results.js';
import type { Verdict } from '../scenario/types.js';
import { cell } from './format.js';

/** One repetition: a scenario or the whole suite, run once by the CLI. */
export interface Repetition {
  index: number;
  seconds: number;
  exitCode: number;
  results: RunResults[];
}

export interface StabilityInput {
  /** What was repeated, as a user would type it. */
  command: string;
  platform: string;
  startedAt: string;
  endedAt: string;
  repetitions: Repetition[];
  /** e.g. "2 cores, Debian 12": where the table was made. */
  machine?: string;
  /** Busy CPU loops that ran beside every repetition. */
  load?: number;
  /** Verdicts of the same scenarios from another run (an unloaded one), to say which verdicts moved. */
  baseline?: { label: string; results: RunResults[] };
}

export interface ExpectationTally {
  scenario: string;
  id: string;
  title: string;
  counts: Record<Verdict, number>;
  /** Runs that did not check it (the scenario did not complete). */
  missing: number;
  stable: boolean;
}

/** Per expectation, how many repetitions gave each verdict; stable when every repetition gave the same one. */
export function tallyVerdicts(repetitions: Repetition[]): ExpectationTally[] {
  const tallies = new Map<string, ExpectationTally>();
  for (const rep of repetitions) {
    for (const run of rep.results) {
      for (const e of run.expectations) {
        const key = `${run.scenario}\0${e.id}`;
        const t = tallies.get(key) ?? {
          scenario: run.scenario,
          id: e.id,
          title: e.title,
          counts: { pass: 0, fail: 0, unknown: 0 },
          missing: 0,
          stable: true,
        };
        t.counts[e.verdict] += 1;
        tallies.set(key, t);
      }
    }
  }
  for (const t of tallies.values()) {
    const checked = t.counts.pass + t.counts.fail + t.counts.unknown;
    t.missing = repetitions.length - checked;
    t.stable = t.missing === 0 && [t.counts.pass, t.counts.fail, t.counts.unknown].filter((n) => n > 0).length === 1;
  }
  return [...tallies.values()];
}

/** The stability table as markdown (reports/STABILITY.md). Pure. */
export function renderStability(input: StabilityInput): string {
  const tallies = tallyVerdicts(input.repetitions);
  const unstable = tallies.filter((t) => !t.stable);
  const n = input.repetitions.length;
  const load = input.load ? `, with ${input.load} busy CPU loop${input.load === 1 ? '' : 's'} beside ${n === 1 ? 'it' : 'each run'}` : '';
  const out: string[] = [`# certdrill verdict stability${input.load ? ' under load' : ''}`, ''];
  out.push(
    `\`${input.command}\`, ${n} times on the \`${input.platform}\` platform${input.machine ? ` (${input.machine})` : ''}${load}, ${input.startedAt.slice(0, 16).replace('T', ' ')} to ${input.endedAt.slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    unstable.length === 0
      ? `**Every one of the ${tallies.length} expectations gave the same verdict in all ${n} runs.**`
      : `**${unstable.length} of ${tallies.length} expectations did not give the same verdict in every run:** ${unstable.map((t) => `${t.scenario} ${t.id}`).join(', ')}.`,
    '',
  );
  const baseline = input.baseline ? baselineVerdicts(input.baseline.results) : undefined;
  if (input.baseline && baseline) {
    const moved = tallies.filter((t) => movedFrom(t, baseline.get(`${t.scenario}\0${t.id}`)));
    out.push(
      moved.length === 0
        ? `**Against ${input.baseline.label}, no verdict moved.**`
        : `**Against ${input.baseline.label}, ${moved.length} of ${tallies.length} expectations gave another verdict in some run:** ${moved.map((t) => `${t.scenario} ${t.id}`).join(', ')}.`,
      '',
    );
  }
  out.push('## Runs', '', '| Run | Took | Exit | Scenarios | PASS | FAIL | UNKNOWN |', '|---|---|---|---|---|---|---|');
  for (const rep of input.repetitions) {
    const verdicts = rep.results.flatMap((r) => r.expectations.map((e) => e.verdict));
    const count = (v: Verdict) => verdicts.filter((x) => x === v).length;
    out.push(
      `| ${rep.index} | ${minutes(rep.seconds)} | ${rep.exitCode} | ${rep.results.length} | ${count('pass')} | ${count('fail')} | ${count('unknown')} |`,
    );
  }
  const baselineHead = baseline ? ` ${input.baseline!.label} | Moved |` : '';
  out.push(
    '',
    '## Verdicts per expectation',
    '',
    `| Scenario | Expectation | PASS | FAIL | UNKNOWN | Same in all ${n} |${baselineHead}`,
    `|---|---|---|---|---|---|${baseline ? '---|---|' : ''}`,
  );
  for (const t of tallies) {
    const missing = t.missing > 0 ? ` (not checked in ${t.missing})` : '';
    const before = baseline?.get(`${t.scenario}\0${t.id}`);
    const compared = baseline ? ` ${before ? before.toUpperCase() : '—'} | ${movedFrom(t, before) ? '**yes**' : before ? 'no' : '—'} |` : '';
    out.push(
      `| ${t.scenario} | ${cell(t.title)} | ${t.counts.pass} | ${t.counts.fail} | ${t.counts.unknown} | ${t.stable ? 'yes' : `**no**${missing}`} |${compared}`,
    );
  }
  out.push(
    '',
    '## Scenario times and observation windows',
    '',
    "Each window ends once every node's state has held for the scenario's number of samples (after its minimum), or at its maximum.",
    '',
  );
  out.push('| Scenario | Run time (min–max) | Window | Lasted (min–max) | Ended early |', '|---|---|---|---|---|');
  const scenarios = [...new Set(input.repetitions.flatMap((r) => r.results.map((x) => x.scenario)))];
  for (const scenario of scenarios) {
    const runs = input.repetitions.flatMap((r) => r.results.filter((x) => x.scenario === scenario));
    const times = runs.filter((r) => r.endedAt).map((r) => (Date.parse(r.endedAt!) - Date.parse(r.startedAt)) / 1000);
    const titles = [...new Set(runs.flatMap((r) => (r.windows ?? []).map((w) => sameInEveryRun(w.title))))];
    const runTime = times.length ? range(times) : '—';
    if (titles.length === 0) out.push(`| ${scenario} | ${runTime} | — | — | — |`);
    titles.forEach((title, i) => {
      const windows = runs.flatMap((r) => (r.windows ?? []).filter((w) => sameInEveryRun(w.title) === title));
      const early = windows.filter((w) => w.ended.startsWith('every node')).length;
      out.push(
        `| ${i === 0 ? scenario : ''} | ${i === 0 ? runTime : ''} | ${cell(title.replace(/^observe: /, ''))} | ${range(windows.map((w) => w.seconds))} | ${early} of ${windows.length} |`,
      );
    });
  }
  out.push('');
  return out.join('\n');
}

function baselineVerdicts(results: RunResults[]): Map<string, Verdict> {
  return new Map(results.flatMap((run) => run.expectations.map((e) => [`${run.scenario}\0${e.id}`, e.verdict] as const)));
}

/** Some repetition gave a verdict other than the baseline's (an expectation the baseline lacks did not move). */
function movedFrom(tally: ExpectationTally, before: Verdict | undefined): boolean {
  if (!before) return false;
  return (Object.keys(tally.counts) as Verdict[]).some((v) => v !== before && tally.counts[v] > 0);
}

/** A page made to stand alone, as a section of another (its headings one level down). */
export function asSection(markdown: string): string {
  return markdown.replace(/^(#+) /gm, '#$1 ');
}

/** A window's title without the instants in it (a certificate's notAfter differs from run to run). */
function sameInEveryRun(title: string): string {
  return title.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<instant>');
}

function range(values: number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? `${lo.toFixed(1)} s` : `${lo.toFixed(1)}–${hi.toFixed(1)} s`;
}

function minutes(seconds: number): string {
  return seconds >= 90 ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : `${seconds.toFixed(1)} s`;
}
