import { isFullMesh, type TimelineQuery, type Window } from '../observe/query.js';
import type { AlertClass, AlertRecord, HealthRecord, MembershipRecord, StepRecord } from '../observe/records.js';
import type { ExpectationResult } from './types.js';

/**
 * Building blocks for expectations. Each reads only the timeline, and each
 * can fail: a check with too few samples to judge fails and says so.
 */

const MIN_SAMPLES = 2;

/** The window from the end of one step to the start of another (or the end of the run). */
export function windowAfter(q: TimelineQuery, stepId: string, untilStepId?: string): Window & { from: StepRecord; to?: StepRecord } {
  const from = q.step(stepId);
  const to = untilStepId ? q.step(untilStepId) : undefined;
  return { after: from.t, before: to?.startedAt, from, to };
}

/** Every node sees every other at some moment before the step began. */
export function fullMeshBefore(q: TimelineQuery, nodes: string[], stepId: string): ExpectationResult {
  const step = q.step(stepId);
  const latest = new Map<string, MembershipRecord | undefined>(nodes.map((n) => [n, undefined]));
  for (const sample of q.membership({ before: step.startedAt })) {
    if (!latest.has(sample.node)) continue;
    latest.set(sample.node, sample);
    if (isFullMesh(latest)) {
      return {
        pass: true,
        observed: `full mesh of ${nodes.length} nodes at ${sample.t}, before step ${stepId}`,
        evidence: nodes.map((n) => latest.get(n)!),
      };
    }
  }
  const last = q.membershipAt(step.startedAt, nodes);
  return {
    pass: false,
    observed: `no moment before step ${stepId} where every node saw all the others`,
    evidence: nodes.map((n) => last.get(n) ?? `${n}: no sample before ${stepId}`),
  };
}

/** Every sample of every node in the window shows all the others connected. */
export function stayFullyConnected(q: TimelineQuery, nodes: string[], window: Window, label: string): ExpectationResult {
  const evidence: (MembershipRecord | string)[] = [];
  for (const node of nodes) {
    const samples = q.membership({ ...window, node });
    if (samples.length < MIN_SAMPLES) {
      return { pass: false, observed: `only ${samples.length} sample(s) of ${node} ${label}: too few to judge`, evidence: samples };
    }
    const broken = samples.find((s) => !s.up || nodes.some((other) => other !== node && !s.sees.includes(other)));
    if (broken) {
      return { pass: false, observed: `${node} lost a peer ${label} (${broken.up ? `sees only ${broken.sees.join(', ') || 'nobody'}` : 'not answering'})`, evidence: [samples[0]!, broken] };
    }
    evidence.push(samples[0]!, samples[samples.length - 1]!);
  }
  const count = q.membership({ ...window }).filter((s) => nodes.includes(s.node)).length;
  return { pass: true, observed: `all ${count} samples of ${nodes.join(', ')} ${label} show a full mesh`, evidence };
}

/** The node answers its probe but is connected to nobody, and nobody lists it, for the whole window. */
export function staysAlone(q: TimelineQuery, node: string, others: string[], window: Window, label: string): ExpectationResult {
  const own = q.membership({ ...window, node, up: true });
  if (own.length < MIN_SAMPLES) {
    return { pass: false, observed: `${node} answered only ${own.length} probe(s) ${label}: too few to judge`, evidence: q.membership({ ...window, node }).slice(-3) };
  }
  const joined = own.find((s) => s.sees.length > 0);
  if (joined) return { pass: false, observed: `${node} connected to ${joined.sees.join(', ')} ${label}`, evidence: [own[0]!, joined] };
  const seenBy = q.membership({ ...window }).find((s) => others.includes(s.node) && s.sees.includes(node));
  if (seenBy) return { pass: false, observed: `${seenBy.node} listed ${node} as connected ${label}`, evidence: [seenBy] };
  const othersLast = others.map((o) => q.membership({ ...window, node: o, up: true }).at(-1) ?? `${o}: no sample ${label}`);
  return {
    pass: true,
    observed: `all ${own.length} samples of ${node} ${label} show it connected to nobody, and no other node listed it`,
    evidence: [own[0]!, own[own.length - 1]!, ...othersLast],
  };
}

/** Each node logged, in the window, a TLS alert containing `text`; says what they logged instead when not. */
export function nodesLogAlert(q: TimelineQuery, nodes: string[], window: Window, text: string, label: string): ExpectationResult {
  const evidence: (string | ReturnType<TimelineQuery['alerts']>[number])[] = [];
  const missing: string[] = [];
  for (const node of nodes) {
    const alerts = q.alerts({ ...window, node });
    const match = alerts.find((a) => a.text.includes(text));
    if (match) {
      evidence.push(match, `${node}: ${alerts.filter((a) => a.text.includes(text)).length} such line(s) ${label}`);
    } else {
      missing.push(node);
      evidence.push(...summariseInstead(node, alerts));
    }
  }
  if (missing.length > 0) {
    return { pass: false, observed: `${missing.join(', ')} did not log "${text}" ${label}`, evidence };
  }
  return { pass: true, observed: `${nodes.join(', ')} each logged "${text}" ${label}`, evidence };
}

function summariseInstead(node: string, alerts: ReturnType<TimelineQuery['alerts']>): (string | ReturnType<TimelineQuery['alerts']>[number])[] {
  if (alerts.length === 0) return [`${node}: no TLS alert at all in this window`];
  const byClass = new Map<AlertClass, typeof alerts>();
  for (const a of alerts) byClass.set(a.class, [...(byClass.get(a.class) ?? []), a]);
  return [`${node} logged instead:`, ...[...byClass.values()].map((list) => list[0]!)];
}

/** Every health sample of these nodes in the window, in that view, is healthy (or, with `healthy: false`, unhealthy). */
export function everyHealthSample(
  q: TimelineQuery,
  nodes: string[],
  window: Window,
  view: HealthRecord['view'],
  healthy: boolean,
  label: string,
): ExpectationResult {
  const word = healthy ? 'Healthy' : 'Unhealthy';
  const viewName = view === 'apiserver' ? 'API server view' : 'etcdctl';
  const evidence: HealthRecord[] = [];
  for (const node of nodes) {
    const samples = q.health({ ...window, node, view });
    if (samples.length < MIN_SAMPLES) {
      return { pass: false, observed: `only ${samples.length} ${viewName} sample(s) of ${node} ${label}: too few to judge`, evidence: samples };
    }
    const odd = samples.find((s) => s.healthy !== healthy);
    if (odd) {
      return { pass: false, observed: `${node} was ${healthy ? 'Unhealthy' : 'Healthy'} in the ${viewName} at ${odd.t} ${label}`, evidence: [samples[0]!, odd] };
    }
    evidence.push(samples[0]!, samples[samples.length - 1]!);
  }
  const count = q.health({ ...window, view }).filter((s) => nodes.includes(s.node)).length;
  return { pass: true, observed: `all ${count} ${viewName} samples of ${nodes.join(', ')} ${label} are ${word}`, evidence };
}

/** Every named node logged, in the window, a line containing each of `texts`. */
export function nodesLogAll(q: TimelineQuery, nodes: string[], window: Window, texts: string[], label: string): ExpectationResult {
  const evidence: (string | AlertRecord)[] = [];
  const missing: string[] = [];
  for (const node of nodes) {
    const alerts = q.alerts({ ...window, node });
    for (const text of texts) {
      const match = alerts.find((a) => a.text.includes(text));
      if (match) evidence.push(match);
      else missing.push(`${node} "${text}"`);
    }
  }
  if (missing.length > 0) {
    const seen = [...new Map(q.alerts({ ...window }).filter((a) => nodes.includes(a.node)).map((a) => [`${a.node}${a.class}`, a])).values()];
    return { pass: false, observed: `missing ${label}: ${missing.join('; ')}`, evidence: [...evidence, ...(seen.length ? ['what they logged instead:', ...seen] : ['no TLS failure logged at all'])] };
  }
  return { pass: true, observed: `${nodes.join(', ')} each logged ${texts.map((t) => `"${t}"`).join(' and ')} ${label}`, evidence };
}

/** The first sample of each node, in that view, after `after` that is unhealthy; a node that never turned fails. */
export function firstUnhealthy(q: TimelineQuery, nodes: string[], window: Window, view: HealthRecord['view']): { node: string; sample?: HealthRecord; lastHealthy?: HealthRecord }[] {
  return nodes.map((node) => {
    const samples = q.health({ ...window, node, view });
    const index = samples.findIndex((s) => !s.healthy);
    return { node, sample: index >= 0 ? samples[index] : undefined, lastHealthy: index > 0 ? samples[index - 1] : undefined };
  });
}

/** Every unhealthy sample of these nodes in that view names `text` in its error (e.g. why the TLS handshake failed). */
export function healthErrorsMention(q: TimelineQuery, nodes: string[], window: Window, view: HealthRecord['view'], text: string, label: string): ExpectationResult {
  const unhealthy = q.health({ ...window, view, healthy: false }).filter((s) => nodes.includes(s.node));
  if (unhealthy.length < MIN_SAMPLES) return { pass: false, observed: `only ${unhealthy.length} unhealthy sample(s) ${label}: too few to judge`, evidence: unhealthy };
  const other = unhealthy.find((s) => !(s.error ?? '').includes(text));
  if (other) return { pass: false, observed: `${other.node} was unhealthy for another reason: ${other.error}`, evidence: [other] };
  const perNode = nodes.map((n) => unhealthy.find((s) => s.node === n) ?? `${n}: no unhealthy sample`);
  return { pass: true, observed: `all ${unhealthy.length} unhealthy samples ${label} say "${text}"`, evidence: perNode };
}

/** At least one of the nodes logged, in the window, a line containing `text`. */
export function someNodeLogs(q: TimelineQuery, nodes: string[], window: Window, text: string, label: string): ExpectationResult {
  const match = q.alerts({ ...window }).filter((a) => nodes.includes(a.node) && a.text.includes(text));
  if (match.length === 0) {
    const seen = [...new Map(q.alerts({ ...window }).filter((a) => nodes.includes(a.node)).map((a) => [`${a.node}${a.class}`, a])).values()];
    return { pass: false, observed: `none of ${nodes.join(', ')} logged "${text}" ${label}`, evidence: seen.length ? ['what they logged instead:', ...seen] : ['no TLS failure logged at all'] };
  }
  const first = [...new Map(match.map((a) => [a.node, a])).values()];
  return { pass: true, observed: `${first.map((a) => a.node).join(', ')} logged "${text}" ${label} (${match.length} line(s))`, evidence: first };
}
