import type { StateRecord, StepRecord, TimelineRecord } from '../observe/records.js';
import { mermaidName } from './mermaid.js';

/**
 * A run's timeline as a picture: a mermaid gantt chart (GitHub renders it)
 * with a row per node and view, one bar per stretch of the same state
 * (whom it sees; Healthy or Unhealthy), and each step as a milestone. Bars
 * where a node lost peers, was down or Unhealthy are marked critical; where
 * its probe got no answer, done (greyed). Pure: records in, lines out.
 */
export function timelineChart(records: readonly TimelineRecord[]): string[] {
  const states = records.filter((r): r is StateRecord => r.kind === 'state');
  // A view whose samples list peers is the node's own (whom it sees); the others are clients' views (Healthy or not).
  const membership = states.filter((r) => r.peers !== undefined);
  const health = states.filter((r) => r.peers === undefined);
  const steps = records.filter((r): r is StepRecord => r.kind === 'step');
  if (states.length === 0) return [];
  const nodes = [...new Set(states.map((r) => r.node))];
  const end = [...states, ...steps]
    .map((r) => r.t)
    .sort()
    .at(-1)!;
  const lines = [
    '```mermaid',
    'gantt',
    '  title What each node showed, real time (UTC)',
    '  dateFormat YYYY-MM-DD HH:mm:ss.SSS',
    '  axisFormat %H:%M:%S',
  ];
  let id = 0;
  const bar = (label: string, tag: string | undefined, from: string, to: string) =>
    lines.push(`  ${mermaidName(label)} :${tag ? `${tag}, ` : ''}b${id++}, ${stamp(from)}, ${stamp(to === from ? bump(to) : to)}`);
  for (const node of nodes) {
    const own = membership.filter((r) => r.node === node);
    if (own.length) {
      lines.push(`  section ${mermaidName(node)}`);
      const others = nodes.filter((n) => n !== node && membership.some((r) => r.node === n));
      for (const run of stretches(own, membershipState(others))) bar(run.state.label, run.state.tag, run.from, run.to ?? end);
    }
    for (const view of [...new Set(health.filter((r) => r.node === node).map((r) => r.viewLabel ?? r.view))]) {
      lines.push(`  section ${mermaidName(`${node} ${view}`)}`);
      const samples = health.filter((r) => r.node === node && (r.viewLabel ?? r.view) === view);
      for (const run of stretches(samples, healthState)) bar(run.state.label, run.state.tag, run.from, run.to ?? end);
    }
  }
  if (steps.length) {
    lines.push('  section steps');
    for (const step of steps) lines.push(`  ${mermaidName(step.id)} :milestone, s${id++}, ${stamp(step.startedAt)}, 0d`);
  }
  lines.push('```');
  return lines;
}

type State = { key: string; label: string; tag?: 'crit' | 'done' };

function membershipState(others: string[]) {
  return (r: StateRecord): State => {
    if (r.noAnswer) return { key: 'no answer', label: 'no answer', tag: 'done' };
    if (!r.ok) return { key: 'down', label: 'down', tag: 'crit' };
    const seen = others.filter((o) => (r.peers ?? []).includes(o));
    const key = `sees ${seen.join(' ')}`;
    if (seen.length === others.length) return { key, label: others.length ? `sees all ${others.length}` : 'up' };
    return { key, label: seen.length ? `sees ${seen.join(', ')}` : 'alone', tag: 'crit' };
  };
}

function healthState(r: StateRecord): State {
  if (r.noAnswer) return { key: 'no answer', label: 'no answer', tag: 'done' };
  return r.ok ? { key: 'healthy', label: 'Healthy' } : { key: 'unhealthy', label: 'Unhealthy', tag: 'crit' };
}

/** Consecutive samples in the same state, each from its first sample to the first sample of the next state. */
function stretches<R extends { t: string }>(samples: R[], stateOf: (r: R) => State): { state: State; from: string; to?: string }[] {
  const runs: { state: State; from: string; to?: string }[] = [];
  for (const sample of [...samples].sort((a, b) => a.t.localeCompare(b.t))) {
    const state = stateOf(sample);
    const last = runs.at(-1);
    if (last && last.state.key === state.key) continue;
    if (last) last.to = sample.t;
    runs.push({ state, from: sample.t });
  }
  return runs;
}

/** Mermaid's dayjs format: no zone letter. */
function stamp(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

function bump(iso: string): string {
  return new Date(Date.parse(iso) + 1).toISOString();
}
