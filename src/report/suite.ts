import type { TimelineRecord } from '../observe/records.js';
import { answerClauses, composeAnswer } from '../scenario/answer.js';
import type { AnyScenario, ExpectationResult } from '../scenario/types.js';
import { describeCounts } from '../scenario/verdict.js';
import type { IncidentQuestion } from '../workload/workload.js';
import type { RunSummary } from './results.js';
import { resultCell } from './findings.js';
import { cell, formatCores, utc } from './format.js';

export interface SuiteEntry {
  scenario: Pick<AnyScenario, 'name' | 'answer' | 'expectations'>;
  /** Folder of the scenario's own findings, relative to the suite's. */
  dir: string;
  result: RunSummary;
  findings?: string;
  timeline: TimelineRecord[];
}

export interface SuiteInput {
  entries: SuiteEntry[];
  /** The incidents' questions, from every workload, and the scenarios that answer them. */
  questions: readonly IncidentQuestion[];
  platform: string;
  startedAt: string;
  endedAt: string;
  outcome: 'completed' | 'interrupted';
  /** Where the scenario folders are, relative to the page (default: beside it). */
  base?: string;
  /** Scenarios left out because they run on other platforms only, with those platforms. */
  elsewhere?: readonly { name: string; platforms: readonly string[] }[];
  /** How many scenarios could run at once (1, or omitted: one after another). */
  parallel?: number;
  /** How many did run at once, at most. */
  mostAtOnce?: number;
  /** The cluster's cores that admitted them (each scenario started only where its cores fit). */
  capacity?: number;
}

/** One page over a whole suite run: the incidents' questions answered, every expectation, each scenario's findings. Pure. */
export function renderSuite(input: SuiteInput): string {
  const byName = new Map(input.entries.map((e) => [e.scenario.name, e]));
  const all = input.entries.flatMap((e) => e.result.expectations.map((x) => ({ entry: e, x })));
  const counts = describeCounts(all.map((a) => a.x.result.verdict));
  const out: string[] = [];
  out.push('# certdrill findings: the whole suite', '');
  out.push(
    `**${counts}** across ${input.entries.length} scenarios${input.outcome === 'interrupted' ? ' (the suite was interrupted)' : ''}. ` +
      `Run on the \`${input.platform}\` platform, ${utc(input.startedAt)} to ${utc(input.endedAt)}` +
      `${(input.parallel ?? 1) > 1 ? `, ${sideBySide(input)}` : ', one scenario at a time'}.`,
    '',
  );
  const versions = collectVersions(input.entries);
  if (versions.length > 0) out.push(`Versions: ${versions.join(', ')}.`, '');

  out.push("## The incidents' questions", '');
  let incident = '';
  for (const q of input.questions) {
    if (q.incident !== incident) {
      incident = q.incident;
      out.push(`### ${incident}`, '');
    }
    out.push(`**${q.question}**`, '');
    for (const name of q.scenarios) {
      const entry = byName.get(name);
      const onlyOn = input.elsewhere?.find((e) => e.name === name)?.platforms;
      out.push(
        `- ${entry ? `${answerOf(entry)} — [${name}](#${name})` : onlyOn ? `runs on ${onlyOn.join(', ')} only: not run on ${input.platform} (${name})` : `not run in this suite (${name})`}`,
      );
    }
    out.push('');
  }

  out.push('## Every expectation', '', '| Scenario | Result | Expectation | Observed |', '|---|---|---|---|');
  for (const { entry, x } of all) {
    out.push(
      `| [${entry.scenario.name}](#${entry.scenario.name}) | ${resultCell(x.result.verdict)} | ${cell(x.title)} | ${cell(x.result.observed)} |`,
    );
  }
  for (const entry of input.entries.filter((e) => e.result.expectations.length === 0)) {
    out.push(
      `| [${entry.scenario.name}](#${entry.scenario.name}) | **${entry.result.outcome.toUpperCase()}** | the run did not get far enough to check | ${cell(entry.result.error?.message ?? '')} |`,
    );
  }
  out.push('');

  out.push('## The scenarios', '', "Each scenario's own report follows; its timeline and node logs are in its folder.", '');
  for (const entry of input.entries) {
    out.push(`<a id="${entry.scenario.name}"></a>`, '');
    const folder = input.base ? `${input.base}/${entry.dir}` : entry.dir;
    out.push(
      entry.findings
        ? demote(entry.findings, entry.dir, folder)
        : `## ${entry.scenario.name}\n\nNo findings: ${entry.result.error?.message ?? entry.result.outcome}.\n`,
    );
    out.push('');
  }
  return out.join('\n');
}

function answerOf(entry: SuiteEntry): string {
  const results: Record<string, ExpectationResult> = Object.fromEntries(entry.result.expectations.map((e) => [e.id, e.result]));
  if (entry.result.expectations.length === 0) return `No answer: the run ${entry.result.outcome} (${entry.result.error?.message ?? 'no findings'}).`;
  const failed = entry.result.expectations.filter((e) => e.result.verdict === 'fail').map((e) => e.id);
  const unjudged = entry.result.expectations.filter((e) => e.result.verdict === 'unknown').map((e) => e.id);
  const titles = Object.fromEntries(entry.scenario.expectations.map((e) => [e.id, e.title]));
  const clauses = answerClauses(entry.scenario);
  const answer = clauses.length
    ? composeAnswer(clauses, results, titles)
    : `${describeCounts(entry.result.expectations.map((e) => e.result.verdict))}.`;
  const notes = [
    failed.length > 0 ? `Not as expected: ${failed.join(', ')}.` : '',
    unjudged.length > 0 ? `Could not judge: ${unjudged.join(', ')}.` : '',
  ].filter(Boolean);
  return notes.length > 0 ? `${answer} (${notes.join(' ')})` : answer;
}

/** A scenario's findings one heading level down, its anchors prefixed with its name, its file links into its folder. */
function demote(markdown: string, dir: string, folder: string): string {
  return markdown
    .split('\n')
    .map((line) => (line.startsWith('#') ? `#${line}` : line))
    .join('\n')
    .replace(/\]\((?!#|https?:)([^)]+)\)/g, `](${folder}/$1)`)
    .replace(/\]\(#([^)]+)\)/g, (_m, id: string) => `](#${dir}-${id})`)
    .replace(/^(#{3,}) ([a-z0-9-]+)$/gm, (_m, hashes: string, id: string) => `${hashes} ${id}\n<a id="${dir}-${id}"></a>`);
}

/** Every version of each component the scenarios ran (three etcd-managers, say), each once. */
function collectVersions(entries: SuiteEntry[]): string[] {
  const seen = new Map<string, Set<string>>();
  for (const e of entries)
    for (const r of e.timeline)
      if (r.kind === 'versions') for (const [k, v] of Object.entries(r.versions)) seen.set(k, (seen.get(k) ?? new Set()).add(v));
  const list = (values: string[]) => (values.length > 1 ? `${values.slice(0, -1).join(', ')} and ${values.at(-1)}` : values[0]!);
  return [...seen.entries()].map(([k, v]) => `${k} ${list([...v])}`);
}

function sideBySide(input: SuiteInput): string {
  const most = input.mostAtOnce === undefined ? '' : `; ${input.mostAtOnce} ran together at most`;
  const admitted =
    input.capacity === undefined
      ? ''
      : `, each started only while the cluster's ${formatCores(input.capacity)} covered what it and the running ones keep busy`;
  return `up to ${input.parallel} scenarios at once (a namespace each${most}${admitted})`;
}
