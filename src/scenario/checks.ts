import { isFullMesh, sampleInWindow, type StepRef, type TimelineQuery, type Window } from '../observe/query.js';
import { linesOf, type AlertRecord, type MetricsRecord, type StateRecord, type StepRecord } from '../observe/records.js';
import { membershipAt, membershipSamples as membership, type MembershipSample } from '../workload/membership-view.js';
import type { ExpectationResult } from './types.js';
import { fail, pass, unknown } from './verdict.js';

/**
 * Building blocks for expectations. Each reads only the timeline, and each
 * can fail. One that cannot judge (too few samples, probes that got no
 * answer where it needed one) says `unknown` and why.
 */

const MIN_SAMPLES = 2;

/** The log lines these alert records stand for, repeats folded into them included. */
const lines = (alerts: AlertRecord[]) => alerts.reduce((sum, a) => sum + linesOf(a), 0);

/** The window from the end of one step to the start of another (or the end of the run). */
export function windowAfter(q: TimelineQuery, step: StepRef, until?: StepRef): Window & { from: StepRecord; to?: StepRecord } {
  const from = q.step(step);
  const to = until ? q.step(until) : undefined;
  return { after: from.t, before: to?.startedAt, from, to };
}

/** The window from the end of one step to the start of a later one. */
export function between(q: TimelineQuery, from: StepRef, to: StepRef): Window {
  return { after: q.step(from).t, before: q.step(to).startedAt };
}

/** Every node sees every other at some moment before the step began. */
export function fullMeshBefore(q: TimelineQuery, nodes: string[], before: StepRef): ExpectationResult {
  const step = q.step(before);
  const stepId = step.id;
  const latest = new Map<string, MembershipSample | undefined>(nodes.map((n) => [n, undefined]));
  for (const sample of membership(q, { before: step.startedAt })) {
    if (!latest.has(sample.node)) continue;
    latest.set(sample.node, sample);
    if (isFullMesh(latest)) {
      return pass(
        `full mesh of ${nodes.length} nodes at ${sample.t}, before step ${stepId}`,
        nodes.map((n) => latest.get(n)!),
      );
    }
  }
  const last = membershipAt(q, step.startedAt, nodes);
  const evidence = nodes.map((n) => last.get(n) ?? `${n}: no sample before ${stepId}`);
  const unheard = nodes.filter((n) => !membership(q, { before: step.startedAt, node: n }).some((s) => !s.noAnswer));
  if (unheard.length > 0) return unknown(`${unheard.join(', ')} never answered a probe before step ${stepId}`, evidence);
  return fail(`no moment before step ${stepId} where every node saw all the others`, evidence);
}

/** Every sample of every node in the window shows all the others connected. */
export function stayFullyConnected(q: TimelineQuery, nodes: readonly string[], options: WindowOptions): ExpectationResult {
  const { window = {}, label } = options;
  const evidence: (MembershipSample | string)[] = [];
  // Any node seen broken fails, whatever the others' gaps; only then can gaps make it unknown.
  for (const node of nodes) {
    const samples = membership(q, { ...window, node }).filter((s) => !s.noAnswer);
    const broken = samples.find((s) => !s.ok || nodes.some((other) => other !== node && !s.peers.includes(other)));
    if (broken) {
      return fail(
        `${node} lost a peer ${label} (${broken.ok ? `sees only ${broken.peers.join(', ') || 'nobody'}` : `down: ${broken.error ?? 'not answering'}`})`,
        [samples[0]!, broken],
      );
    }
  }
  for (const node of nodes) {
    const all = membership(q, { ...window, node });
    const samples = all.filter((s) => !s.noAnswer);
    const unanswered = all.filter((s) => s.noAnswer);
    if (unanswered.length > 0)
      return unknown(
        `${unanswered.length} probe(s) of ${node} ${label} got no answer: cannot tell whether it stayed connected`,
        unanswered.slice(0, 3),
      );
    if (samples.length < MIN_SAMPLES) return unknown(`only ${samples.length} sample(s) of ${node} ${label}: too few to judge`, samples);
    evidence.push(samples[0]!, samples[samples.length - 1]!);
  }
  const count = membership(q, { ...window }).filter((s) => nodes.includes(s.node)).length;
  return pass(`all ${count} samples of ${nodes.join(', ')} ${label} show a full mesh`, evidence);
}

/** The node answers its probe but is connected to nobody, and nobody lists it, for the whole window. */
export function staysAlone(q: TimelineQuery, node: string, options: WindowOptions & { others: readonly string[] }): ExpectationResult {
  const { window = {}, label, others } = options;
  const own = membership(q, { ...window, node, ok: true });
  const joined = own.find((s) => s.peers.length > 0);
  if (joined) return fail(`${node} connected to ${joined.peers.join(', ')} ${label}`, [own[0]!, joined]);
  const seenBy = membership(q, { ...window }).find((s) => others.includes(s.node) && s.peers.includes(node));
  if (seenBy) return fail(`${seenBy.node} listed ${node} as connected ${label}`, [seenBy]);
  if (own.length < MIN_SAMPLES) {
    const all = membership(q, { ...window, node });
    // Answered, and said it was down: the node is not alone, it is not running.
    if (all.some((s) => !s.ok && !s.noAnswer) && all.every((s) => !s.ok))
      return fail(`${node} never answered ${label}: down (${all.find((s) => !s.noAnswer)?.error ?? 'not running'})`, all.slice(-3));
    return unknown(`${node} answered only ${own.length} probe(s) ${label}: too few to judge`, all.slice(-3));
  }
  const othersLast = others.map((o) => membership(q, { ...window, node: o, ok: true }).at(-1) ?? `${o}: no sample ${label}`);
  return pass(`all ${own.length} samples of ${node} ${label} show it connected to nobody, and no other node listed it`, [
    own[0]!,
    own[own.length - 1]!,
    ...othersLast,
  ]);
}

/** The window a check reads (the whole run without one), and how its verdict names it: `after the jump`, `throughout`. */
export interface WindowOptions {
  window?: Window;
  label: string;
}

/** A log check's window, and which alerts it reads: those about these connections only (`AlertRecord.channel`), or all. */
export interface LogCheckOptions extends WindowOptions {
  channels?: readonly string[];
}

const onChannels = (options: LogCheckOptions) => (a: AlertRecord) =>
  options.channels === undefined || (a.channel !== undefined && options.channels.includes(a.channel));

/** Each node logged, in the window, a TLS alert containing `text`; says what they logged instead when not. */
export function nodesLogAlert(q: TimelineQuery, nodes: readonly string[], options: LogCheckOptions & { text: string }): ExpectationResult {
  const { window = {}, text, label } = options;
  const evidence: (string | ReturnType<TimelineQuery['alerts']>[number])[] = [];
  const missing: string[] = [];
  for (const node of nodes) {
    const alerts = q.alerts({ ...window, node }).filter(onChannels(options));
    const match = alerts.find((a) => a.text.includes(text));
    if (match) {
      evidence.push(match, `${node}: ${lines(alerts.filter((a) => a.text.includes(text)))} such line(s) ${label}`);
    } else {
      missing.push(node);
      evidence.push(...loggedInstead(q, [node], window));
    }
  }
  if (missing.length > 0) return fail(`${missing.join(', ')} did not log "${text}" ${label}`, evidence);
  return pass(`${nodes.join(', ')} ${nodes.length > 1 ? 'each ' : ''}logged "${text}" ${label}`, evidence);
}

/** What the nodes logged instead of the expected line: the first alert of each class from each node, or that there was none. */
function loggedInstead(q: TimelineQuery, nodes: readonly string[], window: Window): (string | AlertRecord)[] {
  const seen = new Map<string, AlertRecord>();
  for (const a of q.alerts({ ...window })) if (nodes.includes(a.node) && !seen.has(`${a.node}\0${a.class}`)) seen.set(`${a.node}\0${a.class}`, a);
  return seen.size > 0
    ? [`what ${nodes.length === 1 ? `${nodes[0]} logged` : 'they logged'} instead:`, ...seen.values()]
    : [`no TLS failure logged at all by ${nodes.join(', ')} in this window`];
}

/** What a check of health samples reads: one view of the nodes, in a window (the whole run without one). */
export interface HealthCheckOptions extends WindowOptions {
  view: string;
  /**
   * Unhealthy answers about something else than the check asks, by words in
   * their error (etcd: `leader changed`, a raft election that ended while the
   * request ran): counted neither way, and said in the verdict. Never a
   * no-answer, and never words a failure the check is about could give.
   */
  aside?: { errors: readonly string[]; why: string };
}

/**
 * Every health sample of these nodes in the window, in that view, is healthy
 * (or, with `healthy: false`, unhealthy). Only answered samples count, either
 * way: a probe that got no answer (its deadline passed, or the client the
 * view stands for was not there to ask) may be a busy host, so it neither
 * fails an expectation of Healthy nor passes one of Unhealthy. Each node
 * needs two answers; a Healthy expectation with unanswered samples cannot
 * be judged, an Unhealthy one says how many went unanswered.
 */
export function everyHealthSample(q: TimelineQuery, nodes: readonly string[], options: HealthCheckOptions & { healthy: boolean }): ExpectationResult {
  const { window = {}, view, healthy, label, aside } = options;
  const word = healthy ? 'Healthy' : 'Unhealthy';
  const viewName = q.viewLabel(view);
  const evidence: StateRecord[] = [];
  const unanswered: StateRecord[] = [];
  const isAside = (s: StateRecord) => aside !== undefined && !s.ok && !s.noAnswer && aside.errors.some((e) => (s.error ?? '').includes(e));
  const set = aside ? q.states({ ...window, view }).filter((s) => nodes.includes(s.node) && isAside(s)) : [];
  const samplesOf = (node: string) => q.states({ ...window, node, view }).filter((s) => !isAside(s));
  for (const node of nodes) {
    const samples = samplesOf(node);
    const odd = samples.find((s) => s.ok !== healthy && !s.noAnswer);
    if (odd) return fail(`${node} was ${healthy ? 'Unhealthy' : 'Healthy'} in the ${viewName} at ${odd.t} ${label}`, [samples[0]!, odd]);
  }
  for (const node of nodes) {
    const samples = samplesOf(node);
    const answered = samples.filter((s) => !s.noAnswer);
    unanswered.push(...samples.filter((s) => s.noAnswer));
    if (answered.length < MIN_SAMPLES) {
      const why = samples.find((s) => s.noAnswer)?.error;
      return unknown(
        `only ${answered.length} ${viewName} answer(s) from ${node} ${label}${why ? ` (${samples.length - answered.length} without an answer: ${why})` : ''}: too few to judge`,
        samples.slice(-3),
      );
    }
    evidence.push(answered[0]!, answered[answered.length - 1]!);
  }
  const count = q.states({ ...window, view }).filter((s) => nodes.includes(s.node) && !isAside(s)).length;
  const setAside = set.length
    ? ` (${set.length} Unhealthy answer(s) of ${[...new Set(set.map((s) => s.node))].join(', ')} during ${aside!.why}, "${set[0]!.error}", not counted)`
    : '';
  if (healthy && unanswered.length > 0) {
    return unknown(
      `${count - unanswered.length} ${viewName} samples ${label} are Healthy, but ${unanswered.length} got no answer: cannot tell whether the member or the host was slow`,
      [...evidence, ...unanswered.slice(0, 3)],
    );
  }
  const skipped = unanswered.length > 0 ? ` (${unanswered.length} more got no answer and are not counted)` : '';
  return pass(`all ${count - unanswered.length} ${viewName} answers from ${nodes.join(', ')} ${label} are ${word}${skipped}${setAside}`, [
    ...evidence,
    ...unanswered.slice(0, 1),
    ...set.slice(0, 1),
  ]);
}

/**
 * Every sample of these nodes in that view is Unhealthy or went unanswered
 * for one named cause the node itself gives (`cause`, in the probe's error:
 * say, a member that accepts the connection but never starts TLS), never for
 * another (a deadline with no cause, which a busy host also gives). For a
 * client whose check fails by its deadline; each node needs two samples.
 */
export function everySampleFailsFor(q: TimelineQuery, nodes: readonly string[], options: HealthCheckOptions & { cause: string }): ExpectationResult {
  const { window = {}, view, cause, label } = options;
  const viewName = q.viewLabel(view);
  const evidence: StateRecord[] = [];
  for (const node of nodes) {
    const samples = q.states({ ...window, node, view });
    const healthy = samples.find((s) => s.ok);
    if (healthy) return fail(`${node} was Healthy in the ${viewName} at ${healthy.t} ${label}`, [healthy]);
    const other = samples.find((s) => s.noAnswer && !(s.error ?? '').includes(cause));
    if (other)
      return unknown(
        `${node}'s ${viewName} probe got no answer for another reason ${label} (${other.error ?? 'deadline'}): cannot tell the member from a busy host`,
        [other],
      );
    if (samples.length < MIN_SAMPLES) return unknown(`only ${samples.length} ${viewName} sample(s) of ${node} ${label}: too few to judge`, samples);
    evidence.push(samples[0]!, samples[samples.length - 1]!);
  }
  const all = q.states({ ...window, view }).filter((s) => nodes.includes(s.node));
  const caused = all.filter((s) => s.noAnswer).length;
  return pass(
    `all ${all.length} ${viewName} samples of ${nodes.join(', ')} ${label} failed${caused ? ` (${caused === all.length ? 'every one' : `${caused} of them`}: ${cause})` : ''}`,
    evidence,
  );
}

/** Every named node logged, in the window, a line containing each of `texts`. */
export function nodesLogAll(q: TimelineQuery, nodes: readonly string[], options: WindowOptions & { texts: readonly string[] }): ExpectationResult {
  const { window = {}, texts, label } = options;
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
  if (missing.length > 0) return fail(`missing ${label}: ${missing.join('; ')}`, [...evidence, ...loggedInstead(q, nodes, window)]);
  return pass(`${nodes.join(', ')} ${nodes.length > 1 ? 'each ' : ''}logged ${texts.map((t) => `"${t}"`).join(' and ')} ${label}`, evidence);
}

/** The first answer of each node, in that view, in the window that is Unhealthy, and the last Healthy one before it; probes with no answer are skipped. */
export function firstUnhealthy(
  q: TimelineQuery,
  nodes: readonly string[],
  options: { window?: Window; view: string },
): { node: string; sample?: StateRecord; lastHealthy?: StateRecord }[] {
  const { window = {}, view } = options;
  return nodes.map((node) => {
    const samples = q.states({ ...window, node, view }).filter((s) => !s.noAnswer);
    const index = samples.findIndex((s) => !s.ok);
    return { node, sample: index >= 0 ? samples[index] : undefined, lastHealthy: index > 0 ? samples[index - 1] : undefined };
  });
}

/** Every unhealthy sample of these nodes in that view names `text` in its error (e.g. why the TLS handshake failed). */
export function healthErrorsMention(q: TimelineQuery, nodes: readonly string[], options: HealthCheckOptions & { text: string }): ExpectationResult {
  const { window = {}, view, text, label } = options;
  const all = q.states({ ...window, view, ok: false }).filter((s) => nodes.includes(s.node));
  const unhealthy = all.filter((s) => !s.noAnswer);
  const other = unhealthy.find((s) => !(s.error ?? '').includes(text));
  if (other) return fail(`${other.node} was unhealthy for another reason: ${other.error}`, [other]);
  if (unhealthy.length < MIN_SAMPLES)
    return unknown(
      `only ${unhealthy.length} Unhealthy answer(s) ${label}${all.length > unhealthy.length ? ` (${all.length - unhealthy.length} probes got no answer)` : ''}: too few to judge`,
      all.slice(-3),
    );
  const perNode = nodes.map((n) => unhealthy.find((s) => s.node === n) ?? `${n}: no unhealthy sample`);
  const skipped = all.length - unhealthy.length;
  return pass(`all ${unhealthy.length} Unhealthy answers ${label} say "${text}"${skipped ? ` (${skipped} probes got no answer)` : ''}`, perNode);
}

/** At least one of the nodes logged, in the window, a line containing `text`. */
export function someNodeLogs(q: TimelineQuery, nodes: readonly string[], options: LogCheckOptions & { text: string }): ExpectationResult {
  const { window = {}, text, label } = options;
  const match = q
    .alerts({ ...window })
    .filter((a) => nodes.includes(a.node) && a.text.includes(text))
    .filter(onChannels(options));
  if (match.length === 0) return fail(`none of ${nodes.join(', ')} logged "${text}" ${label}`, loggedInstead(q, nodes, window));
  const first = [...new Map(match.map((a) => [a.node, a])).values()];
  return pass(`${first.map((a) => a.node).join(', ')} logged "${text}" ${label} (${lines(match)} line(s))`, first);
}

/**
 * Only these nodes generated (sent) TLS alerts in the window, and each did
 * so both as client and as server: they are the ones that judged a
 * certificate invalid, whichever end of the connection they were.
 */
export function onlyTheseReject(q: TimelineQuery, judges: readonly string[], options: WindowOptions): ExpectationResult {
  const { window = {}, label } = options;
  const generated = q.alerts({ ...window }).filter((a) => a.direction === 'generated');
  if (generated.length === 0) return fail(`no node generated a TLS alert ${label}`);
  const others = generated.filter((a) => !judges.includes(a.node));
  const byNode = [...new Map(generated.map((a) => [`${a.node}${a.side}`, a])).values()];
  if (others.length > 0) return fail(`${[...new Set(others.map((a) => a.node))].join(', ')} also rejected certificates ${label}`, byNode);
  const oneSided = judges.flatMap((node) =>
    (['client', 'server'] as const)
      .filter((side) => !generated.some((a) => a.node === node && a.side === side))
      .map((side) => `${node} never as ${side}`),
  );
  if (oneSided.length > 0) return fail(`only ${judges.join(', ')} generated alerts ${label}, but ${oneSided.join(', ')}`, byNode);
  return pass(`all ${lines(generated)} generated alerts ${label} came from ${judges.join(', ')}, as client and as server`, byNode);
}

/**
 * The clock jump recorded by step `jump` moved each node by `seconds`
 * (within `toleranceSeconds`), judged by the offset certdrill asked for
 * (`requested`) or by the one each node then showed when read back (`shown`;
 * unknown where a node could not be read).
 */
export function clocksMoved(
  q: TimelineQuery,
  nodes: string[],
  { jump, seconds: expectedSeconds, ...options }: { jump: StepRef; seconds: number; use: 'requested' | 'shown'; toleranceSeconds: number },
): ExpectationResult {
  const step = q.step(jump);
  const stepId = step.id;
  const records = nodes.map(
    (node) => q.clocks({ node, after: step.startedAt, before: step.t }).at(-1) ?? `${node}: no clock change in step ${stepId}`,
  );
  const offsets = records.map((r) => (typeof r === 'string' ? undefined : options.use === 'shown' ? r.shownOffsetSeconds : r.offsetSeconds));
  const off = nodes.filter((_, i) => offsets[i] !== undefined && Math.abs(offsets[i]! - expectedSeconds) > options.toleranceSeconds);
  const said = nodes.map((n, i) => `${n} ${offsets[i] === undefined ? 'unread' : `${offsets[i]} s`}`).join(', ');
  if (off.length > 0)
    return fail(`${options.use === 'shown' ? 'the nodes showed' : 'certdrill asked for'} ${said}, not ${expectedSeconds} s`, records);
  if (offsets.some((o) => o === undefined)) return unknown(`not every node's clock could be read after step ${stepId}: ${said}`, records);
  return pass(
    `${options.use === 'shown' ? 'read back' : 'asked for'}: ${said} (expected ${expectedSeconds} ± ${options.toleranceSeconds} s)`,
    records,
  );
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
  return new Map(
    nodes.map((node) => [
      node,
      q.records.find((r): r is MetricsRecord => r.kind === 'metrics' && r.node === node && sampleInWindow(r, window) && rule.fires(r.values)),
    ]),
  );
}

/**
 * The largest group of running nodes connected to one another, at each
 * membership sample in the window: 3 for a whole three-node cluster, 2 while
 * one node restarts, 1 when none can reach another.
 */
export function largestGroupOverTime(q: TimelineQuery, nodes: string[], window: Window): { t: string; size: number }[] {
  const latest = new Map<string, MembershipSample>();
  // A probe with no answer says nothing about membership: the node keeps its last known state.
  for (const r of membership(q, { before: window.after })) if (nodes.includes(r.node) && !r.noAnswer) latest.set(r.node, r);
  const series: { t: string; size: number }[] = [];
  for (const r of membership(q, window)) {
    if (!nodes.includes(r.node) || r.noAnswer) continue;
    latest.set(r.node, r);
    series.push({ t: r.t, size: largestGroup([...latest.values()]) });
  }
  return series;
}

function largestGroup(samples: MembershipSample[]): number {
  const up = new Map(samples.filter((s) => s.ok).map((s) => [s.node, s]));
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
      for (const peer of up.get(node)!.peers) {
        if (!seen.has(peer) && up.get(peer)?.peers.includes(node)) {
          seen.add(peer);
          stack.push(peer);
        }
      }
    }
    best = Math.max(best, size);
  }
  return best;
}

/**
 * The smallest membership (largest connected group) from step `from`'s
 * start to step `to`'s end, judged by `holds`: how much of the cluster a
 * procedure (a CA roll) cost at worst, and for how long it was short.
 */
export function smallestMembership(
  q: TimelineQuery,
  nodes: string[],
  { from, to, holds }: { from: StepRef; to: StepRef; holds: (min: number) => boolean },
): ExpectationResult {
  const window = { after: q.step(from).startedAt, before: q.step(to).t };
  const series = largestGroupOverTime(q, nodes, window);
  if (series.length === 0) return unknown('no membership samples in the procedure');
  const min = Math.min(...series.map((p) => p.size));
  const at = series.find((p) => p.size === min)!;
  const below = series.filter((p) => p.size < nodes.length);
  const seconds = (Date.parse(window.before) - Date.parse(window.after)) / 1000;
  const degraded = (below.length / series.length) * seconds;
  const snapshot = membershipAt(q, at.t, nodes);
  return {
    verdict: holds(min) ? 'pass' : 'fail',
    observed: `smallest membership ${min} of ${nodes.length} (at ${at.t}); below ${nodes.length} in ${below.length} of ${series.length} samples, about ${degraded.toFixed(0)} s of the ${seconds.toFixed(0)} s procedure`,
    evidence: nodes.map((n) => snapshot.get(n) ?? `${n}: no sample`),
  };
}
