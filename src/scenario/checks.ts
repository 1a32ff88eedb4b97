import { isFullMesh, type TimelineQuery, type Window } from '../observe/query.js';
import type { AlertClass, AlertRecord, HealthRecord, MembershipRecord, MetricsRecord, StepRecord } from '../observe/records.js';
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

/** The window from the end of one step to the start of a later one. */
export function between(q: TimelineQuery, fromStepId: string, toStepId: string): Window {
  return { after: q.step(fromStepId).t, before: q.step(toStepId).startedAt };
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
  return { pass: true, observed: `${nodes.join(", ")} ${nodes.length > 1 ? "each " : ""}logged "${text}" ${label}`, evidence };
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
  return { pass: true, observed: `${nodes.join(", ")} ${nodes.length > 1 ? "each " : ""}logged ${texts.map((t) => `"${t}"`).join(" and ")} ${label}`, evidence };
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

/** Only these nodes generated (sent) TLS alerts in the window: they are the ones that judged a certificate invalid. */
export function onlyTheseReject(q: TimelineQuery, judges: string[], window: Window, label: string): ExpectationResult {
  const generated = q.alerts({ ...window }).filter((a) => a.direction === 'generated');
  if (generated.length === 0) return { pass: false, observed: `no node generated a TLS alert ${label}`, evidence: [] };
  const others = generated.filter((a) => !judges.includes(a.node));
  const byNode = [...new Map(generated.map((a) => [`${a.node}${a.side}`, a])).values()];
  if (others.length > 0) {
    return { pass: false, observed: `${[...new Set(others.map((a) => a.node))].join(', ')} also rejected certificates ${label}`, evidence: byNode };
  }
  return { pass: true, observed: `all ${generated.length} generated alerts ${label} came from ${judges.join(', ')}, as client and as server`, evidence: byNode };
}

/** A Prometheus-style alert rule over one node's metrics samples. */
export interface MetricsRule {
  name: string;
  /** The rule as it would be written in Prometheus. */
  expr: string;
  fires(values: Record<string, number>): boolean;
}

/** The first metrics sample, per node, on which the rule fires in the window. */
export function firstFiring(q: TimelineQuery, rule: MetricsRule, nodes: string[], window: Window = {}): Map<string, MetricsRecord | undefined> {
  return new Map(nodes.map((node) => [node, q.records.find((r): r is MetricsRecord => r.kind === 'metrics' && r.node === node && inWindowOf(r.t, window) && rule.fires(r.values))]));
}

function inWindowOf(t: string, window: Window): boolean {
  return (window.after === undefined || Date.parse(t) > Date.parse(window.after)) && (window.before === undefined || Date.parse(t) <= Date.parse(window.before));
}

/**
 * The largest group of running nodes connected to one another, at each
 * membership sample in the window: 3 for a whole three-node cluster, 2 while
 * one node restarts, 1 when none can reach another.
 */
export function largestGroupOverTime(q: TimelineQuery, nodes: string[], window: Window): { t: string; size: number }[] {
  const latest = new Map<string, MembershipRecord>();
  for (const r of q.membership({ before: window.after })) if (nodes.includes(r.node)) latest.set(r.node, r);
  const series: { t: string; size: number }[] = [];
  for (const r of q.membership(window)) {
    if (!nodes.includes(r.node)) continue;
    latest.set(r.node, r);
    series.push({ t: r.t, size: largestGroup([...latest.values()]) });
  }
  return series;
}

function largestGroup(samples: MembershipRecord[]): number {
  const up = new Map(samples.filter((s) => s.up).map((s) => [s.node, s]));
  const seen = new Set<string>();
  let best = 0;
  for (const start of up.keys()) {
    if (seen.has(start)) continue;
    // Connected only where both ends say so: a half-open view is not membership.
    const stack = [start];
    let size = 0;
    seen.add(start);
    while (stack.length > 0) {
      const node = stack.pop()!;
      size += 1;
      for (const peer of up.get(node)!.sees) {
        if (!seen.has(peer) && up.get(peer)?.sees.includes(node)) {
          seen.add(peer);
          stack.push(peer);
        }
      }
    }
    best = Math.max(best, size);
  }
  return best;
}
