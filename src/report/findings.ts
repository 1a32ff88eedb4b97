import { describeOffset } from '../clock/spec.js';
import { TimelineQuery } from '../observe/query.js';
import {
  linesOf,
  type AlertRecord,
  type CertificateRecord,
  type CertificateRequestRecord,
  type ClockRecord,
  type LogRecord,
  type TimelineRecord,
} from '../observe/records.js';
import { validityAt } from '../pki/inspect.js';
import { answerClauses, composeAnswer } from '../scenario/answer.js';
import type { AnswerClause, Expectation, ExpectationResult, Verdict } from '../scenario/types.js';
import { describeCounts } from '../scenario/verdict.js';
import type { AttributeDescriptions, CertificateSummary } from '../workload/workload.js';
import { timelineChart } from './timeline-chart.js';
import { cell, code, describeRecord, nodeTime, realTime, seconds, stateText, utc } from './format.js';

export interface ExpectationOutcome {
  id: string;
  title: string;
  basis: string;
  result: ExpectationResult;
}

export interface FindingsInput {
  scenario: {
    name: string;
    description: string;
    question?: string;
    answer?: readonly AnswerClause[];
    expectations?: readonly Pick<Expectation, 'id' | 'answer'>[];
  };
  runId: string;
  platform: string;
  startedAt: string;
  endedAt: string;
  /** `completed`, or why the run stopped early. */
  outcome: 'completed' | 'interrupted' | 'failed';
  error?: string;
  nodes: string[];
  certificates: CertificateSummary[];
  clocks: { node: string; spec: string }[];
  timeline: readonly TimelineRecord[];
  expectations: ExpectationOutcome[];
  /** Relative paths of files beside findings.md worth opening. */
  files?: string[];
  /** How the workload's state records' attributes read (its `attributes`). */
  attributes?: AttributeDescriptions;
}

/** The findings report of one scenario run, as markdown. Pure: it runs nothing. */
export function renderFindings(input: FindingsInput): string {
  const q = new TimelineQuery(input.timeline);
  const verdicts = input.expectations.map((e) => e.result.verdict);
  const verdict =
    input.outcome !== 'completed'
      ? input.outcome.toUpperCase()
      : verdicts.includes('fail')
        ? 'FAIL'
        : verdicts.includes('unknown')
          ? 'UNKNOWN'
          : 'PASS';
  const out: string[] = [];
  out.push(`# certdrill findings: ${input.scenario.name}`, '');
  out.push(`${input.scenario.description}`, '');
  if (input.scenario.question) out.push(`**Question:** ${input.scenario.question}`, '');
  const clauses = answerClauses(input.scenario);
  if (clauses.length && input.outcome === 'completed' && input.expectations.length) {
    const results = Object.fromEntries(input.expectations.map((e) => [e.id, e.result]));
    const titles = Object.fromEntries(input.expectations.map((e) => [e.id, e.title]));
    out.push(`**Answer:** ${composeAnswer(clauses, results, titles)}`, '');
  }
  out.push(
    `**Result: ${verdict}** — ${describeCounts(verdicts)}.`,
    '',
    `Run \`${input.runId}\` on the \`${input.platform}\` platform, ${utc(input.startedAt)} to ${utc(input.endedAt)} (${seconds(input.startedAt, input.endedAt)}). ` +
      "Times below are real time (UTC, time of day) unless marked as a node's clock, which the scenario may have moved (libfaketime or certdrill-clock).",
    '',
  );
  const versions = input.timeline.find((r) => r.kind === 'versions');
  if (versions?.kind === 'versions')
    out.push(
      `Ran on: ${Object.entries(versions.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
      '',
    );
  if (input.error) out.push(`> The run stopped early: ${input.error}`, '');

  out.push('## Expectations', '', '| Result | Expectation | Observed | Why it is expected |', '|---|---|---|---|');
  for (const e of input.expectations) {
    out.push(`| ${resultCell(e.result.verdict)} | [${cell(e.title)}](#${anchor(e.id)}) | ${cell(e.result.observed)} | ${cell(e.basis)} |`);
  }
  out.push('');
  const chart = timelineChart(input.timeline);
  if (chart.length)
    out.push(
      '## Timeline',
      '',
      "Each node's state over the run (critical: lost peers, down or Unhealthy; grey: no answer), with the steps as milestones.",
      '',
      ...chart,
      '',
    );
  for (const e of input.expectations) {
    out.push(`### ${e.id}`, '', `${resultCell(e.result.verdict)}: ${e.title}. Observed: ${e.result.observed}.`, '', 'Evidence:', '');
    for (const item of e.result.evidence) out.push(`- ${typeof item === 'string' ? item : describeRecord(item, input.attributes)}`);
    out.push('');
  }

  out.push('## Set-up', '', '### Certificates', '');
  out.push(
    '| Certificate | Role | Subject | Issuer | Serial | notBefore | notAfter | At the start | Made by |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const c of input.certificates) {
    out.push(
      `| ${c.name} | ${cell(c.role)} | ${cell(c.info.subject)} | ${cell(c.info.issuer)} | ${code(shortSerial(c.info.serial))} | ${utc(c.info.notBefore)} | ${utc(c.info.notAfter)} | ${validityAt(c.info, new Date(input.startedAt))} | ${c.madeBy} |`,
    );
  }
  out.push('', '### Clocks', '', '| Node | Clock at the start | Clock changes |', '|---|---|---|');
  for (const c of input.clocks) {
    const changes = input.timeline.filter((r) => r.kind === 'clock' && r.node === c.node).map((r) => (r.kind === 'clock' ? clockChange(r) : ''));
    out.push(`| ${c.node} | ${c.spec} | ${changes.join(', ') || 'none'} |`);
  }
  out.push('');

  out.push(
    '## Steps',
    '',
    "What each node showed just before the step began and just before the next one (or the end of the run): the nodes it is connected to, or its health in each view its workload has. A node's clock is its own reading where its probe gives one, else its last log line's time stamp.",
    '',
  );
  const steps = q.steps();
  steps.forEach((step, i) => {
    const next = steps[i + 1];
    const end = next?.startedAt ?? input.endedAt;
    out.push(`### ${realTime(step.startedAt)} ${step.title}${step.outcome && step.outcome !== 'done' ? ` — ${step.outcome}` : ''}`, '');
    if (step.detail) out.push(step.detail, '');
    out.push('| Node | Before | Its clock before | After | Its clock after |', '|---|---|---|---|---|');
    for (const node of input.nodes) {
      const before = stateAt(q, step.startedAt, node, input.attributes);
      const after = stateAt(q, end, node, input.attributes);
      out.push(`| ${node} | ${cell(before.text)} | ${nodeTime(before.nodeTime)} | ${cell(after.text)} | ${nodeTime(after.nodeTime)} |`);
    }
    out.push('');
  });

  out.push('## State changes', '', "Every change in what a node's probe answered, in order.", '');
  out.push('| Real time | Node | Its clock | View | Now |', '|---|---|---|---|---|');
  const last = new Map<string, string>();
  for (const sample of input.timeline) {
    if (sample.kind !== 'state') continue;
    const view = q.viewLabel(sample.view);
    const own = sample.peers !== undefined;
    const state = stateText(sample, input.attributes) + (own && !sample.ok ? ` (${sample.error ?? 'not running'})` : '');
    const key = `${sample.node}\0${view}`;
    if (last.get(key) === state) continue;
    last.set(key, state);
    const clock = own ? sample.nodeTime : q.nodeClockAt(sample.t, sample.node);
    out.push(`| ${realTime(sample.t)} | ${sample.node} | ${nodeTime(clock)} | ${view} | ${cell(state)} |`);
  }
  out.push('');

  // What was read again unchanged after a step is evidence for checks, not news: the table lists changes.
  const issued = input.timeline.filter((r): r is CertificateRecord => r.kind === 'certificate' && !r.unchanged);
  if (issued.length > 0) {
    out.push(
      '## Certificates issued during the run',
      '',
      '| Real time | Node | File | Made by | Serial | notBefore | notAfter |',
      '|---|---|---|---|---|---|---|',
    );
    for (const c of issued)
      out.push(
        `| ${realTime(c.t)} | ${c.node} | ${c.role} | ${cell(c.madeBy)} | ${code(shortSerial(c.serial))} | ${utc(c.notBefore)} | ${utc(c.notAfter)} |`,
      );
    out.push('');
  }

  const requests = input.timeline.filter((r): r is CertificateRequestRecord => r.kind === 'certificateRequest');
  if (requests.length > 0) {
    out.push(
      '## Certificate requests',
      '',
      "Each node's request to the cluster's issuer (cert-manager), as the API server held it once its pod started.",
      '',
      '| Created | Node | Request | Issuer (its Ready condition) | State | Certificate notBefore | notAfter | Signed by CA (its notAfter) |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const r of requests)
      out.push(
        `| ${realTime(r.created)} | ${r.node} | ${code(r.name)} | ${r.issuer}${r.issuerReady ? ` (${cell(r.issuerReady)})` : ''} | ${cell(r.state + (r.message && !r.notAfter ? `: ${r.message}` : ''))} | ${r.notBefore ? utc(r.notBefore) : '—'} | ${r.notAfter ? utc(r.notAfter) : '—'} | ${r.signingCa ? `${cell(r.signingCa)} (${r.signingCaNotAfter ? utc(r.signingCaNotAfter) : '?'})` : '—'} |`,
      );
    out.push('');
  }

  const events = input.timeline.filter((r): r is LogRecord => r.kind === 'log');
  if (events.length > 0) {
    out.push('## Other log events', '', 'Lines about leaders, peers and readiness, verbatim (at most 40).', '');
    for (const e of events.slice(0, 40)) out.push(`- ${describeRecord(e, input.attributes)}`);
    if (events.length > 40) out.push(`- … and ${events.length - 40} more in timeline.jsonl`);
    out.push('');
  }

  out.push('## TLS alerts', '');
  const alerts = q.alerts();
  if (alerts.length === 0) {
    out.push('No node logged a TLS alert.', '');
  } else {
    out.push('| Node | Class | Side | Count | First (real / node clock) | Example, verbatim |', '|---|---|---|---|---|---|');
    for (const group of groupAlerts(alerts)) {
      const first = group[0]!;
      // The connection the workload says the line is about (etcd: peer, client, ...), beside the TLS side where known.
      const side = [first.channel, first.side ? `${first.side}, ${first.direction}` : undefined].filter(Boolean).join(': ') || '—';
      out.push(
        `| ${first.node} | ${first.class} | ${side} | ${group.reduce((sum, a) => sum + linesOf(a), 0)} | ${realTime(first.t)} / ${nodeTime(first.nodeTime)} | ${cell(code(first.text))} |`,
      );
    }
    out.push('');
  }

  if (input.files && input.files.length > 0) {
    out.push('## Files', '', ...input.files.map((f) => `- [${f}](${f})`), '');
  }
  return out.join('\n');
}

/**
 * What a node showed at `t` and its clock: its own view (whom it sees) where
 * its workload has one, or else its state in each client's view.
 */
function stateAt(q: TimelineQuery, t: string, node: string, attributes?: AttributeDescriptions): { text: string; nodeTime?: string } {
  const latest = q.views().flatMap((view) => q.states({ node, view, before: t }).slice(-1));
  const own = latest.find((s) => s.peers !== undefined);
  if (own) return { text: stateText(own), nodeTime: own.nodeTime };
  if (latest.length === 0) return { text: 'no sample' };
  return { text: latest.map((s) => `${q.viewLabel(s.view)}: ${stateText(s, attributes)}`).join('; '), nodeTime: q.nodeClockAt(t, node) };
}

/** `+31d at 03:10:43.397 (read back: +31d, by ...)`: the offset asked for and the one the node then showed. */
function clockChange(record: ClockRecord): string {
  const shown =
    record.shownOffsetSeconds === undefined
      ? 'not read back'
      : `read back ${describeOffset(Math.round(record.shownOffsetSeconds))} (${record.shownOffsetSeconds.toFixed(1)} s) from ${record.shownBy ?? 'the node'}`;
  return `${describeOffset(record.offsetSeconds)} at ${realTime(record.t)}, ${shown}`;
}

function groupAlerts(alerts: AlertRecord[]): AlertRecord[][] {
  const groups = new Map<string, AlertRecord[]>();
  for (const a of alerts) {
    const key = `${a.node}\0${a.class}\0${a.channel ?? ''}\0${a.side ?? ''}\0${a.direction ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return [...groups.values()].sort((a, b) => a[0]!.node.localeCompare(b[0]!.node) || a[0]!.t.localeCompare(b[0]!.t));
}

/** PASS plain; FAIL and UNKNOWN (could not judge) stand out, and read differently. */
export function resultCell(verdict: Verdict): string {
  return verdict === 'pass' ? 'PASS' : verdict === 'fail' ? '**FAIL**' : '**UNKNOWN** (could not judge)';
}

function shortSerial(serial: string): string {
  return serial.length > 16 ? `${serial.slice(0, 16)}…` : serial;
}

function anchor(id: string): string {
  return id
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}
