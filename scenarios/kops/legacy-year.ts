import { sampleInWindow, type StepHandle, type StepRef, type TimelineQuery, type Window } from '../../src/observe/query.js';
import type { AlertRecord, LogRecord } from '../../src/observe/records.js';
import { clocksMoved, everyHealthSample, windowAfter } from '../../src/scenario/checks.js';
import type { ExpectationResult, ScenarioContext, WaitHandle } from '../../src/scenario/types.js';
import type { etcd } from '../../src/workload/etcd/index.js';
import { allOf, fail, pass, unknown, verdictOf } from '../../src/scenario/verdict.js';
import { ETCD_MANAGER_ROLES, ETCD_MANAGER_VERSIONS, etcdManagerUnderTest } from '../../src/workload/etcd/manager/versions.js';
import { RAFT_ELECTION } from '../../src/workload/etcd/view.js';

/**
 * What the scenarios of a legacy etcd-manager's year share (not a scenario:
 * scenarios/ holds one per file, and this folder is not read for them).
 */

export const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
/** The incident's kind of etcd-manager: before the kops advisory's fix. What the expectations predict is its behaviour. */
export const LEGACY = '3.0.20200116';
/**
 * The etcd-manager the year's scenarios run: the legacy one, or the one
 * CERTDRILL_ETCD_MANAGER_VERSION names (`npm run matrix`'s etcd-manager axis).
 * Their expectations stay the legacy version's, so where another version
 * behaves otherwise its run says so.
 */
export const VERSION = etcdManagerUnderTest();
/** Said at the end of the description of each scenario that follows the axis. */
export const AXIS_NOTE = ` It follows the etcd-manager axis: CERTDRILL_ETCD_MANAGER_VERSION (${ETCD_MANAGER_VERSIONS.join(', ')}) runs another version against the expectations of the legacy ${LEGACY}.`;
/** How the version run is named in a scenario's question and answer, e.g. "etcd-manager 3.0.20200116 (legacy, the incident's kind)". */
export const MANAGER = `etcd-manager ${VERSION} (${ETCD_MANAGER_ROLES[VERSION]})`;
/** The member certificates on each volume, as etcd-manager lays them out. */
export const MEMBER_FILES = ['peers/me.crt', 'clients/server.crt'];
/** etcd-manager's own gRPC certificates in --pki-dir, as the certificates probe names them. */
export const MANAGER_SERVER_FILE = 'etcd-manager-server-';

/**
 * How long a real etcd-manager's three masters may take to form: 40-60 s on
 * an idle 2-core host; with two busy CPU loops beside it today's version took
 * over 90 s in two runs of three (reports/STABILITY.md). A wait that is met
 * ends at once; one that is not stops the run (nothing after it is judged).
 */
export const FORMED_WITHIN_MS = 180_000;
/** How long members may take to be Healthy again after etcd-manager restarts. */
const RECOVERED_WITHIN_MS = 90_000;

type KopsContext = ScenarioContext<typeof etcd>;

/** Waits (90 s at most) until every member is Healthy in kube-apiserver's /readyz/etcd, each master's own. */
export function untilHealthy(s: KopsContext, id: string, options: { timeoutMs?: number; required?: boolean } = {}): Promise<WaitHandle> {
  const { timeoutMs = RECOVERED_WITHIN_MS, required } = options;
  return s.waitFor(id, "wait until every member is Healthy in kube-apiserver's /readyz/etcd", (view) => view.allHealthy(), {
    timeoutMs,
    ...(required === undefined ? {} : { required }),
  });
}

/** The cluster formed (step `healthy`): what every kops scenario stands on, so the run stops where it does not. */
export function formed(s: KopsContext): Promise<WaitHandle> {
  return untilHealthy(s, 'healthy', { timeoutMs: FORMED_WITHIN_MS, required: true });
}

/** kops' mitigation: the member certificates deleted on every volume, etcd-manager restarted, and the wait until Healthy again. */
export async function mitigate(s: KopsContext): Promise<{ removal: StepHandle; restartAfterRemoval: StepHandle; recovered: WaitHandle }> {
  const removal = await s.removeMemberCertificates(MEMBERS, { id: 'remove-certificates' });
  const restartAfterRemoval = await s.restartManager(MEMBERS, { id: 'restart-after-removal' });
  const recovered = await untilHealthy(s, 'recovered');
  return { removal, restartAfterRemoval, recovered };
}

/** A "no leader" needs a window longer than etcd-manager's leader loop, which logs "I am leader" every ~25 s and at once when elected. */
const MESH_WINDOW_MS = 15_000;
/**
 * Restarted together, today's managers took 22 s to elect a leader in one
 * run here and over 35 s in another (the matrix's v3.0.20260707 cells): a
 * shorter window with no leader and no failed ping cannot say none will be.
 */
const LEADER_WINDOW_MS = 45_000;

/** The verdict of parts, their observations joined. */
export function parts(...results: ExpectationResult[]): ExpectationResult {
  return {
    verdict: allOf(...results.map((p) => p.verdict)),
    observed: results.map((p) => p.observed).join('; '),
    evidence: results.flatMap((p) => p.evidence),
  };
}

/**
 * etcd-manager's own mesh in the window, from its own logs: whether a
 * manager was elected leader ("I am leader with token", logged when elected
 * and every ~25 s after), and its gRPC pings to the others that failed TLS.
 * Without a leader the managers cannot add a member, back up or reconfigure.
 */
export function managersMesh(q: TimelineQuery, { window, leader, label }: { window: Window; leader: boolean; label: string }): ExpectationResult {
  const leaders = q.logs(window).filter((r) => MEMBERS.includes(r.node) && /I am leader with token/.test(r.text));
  const pings = q.alerts(window).filter((a) => MEMBERS.includes(a.node) && a.channel === 'manager');
  const expired = pings.filter((a) => a.text.includes('certificate has expired'));
  const opened = Date.parse(window.after ?? q.records[0]!.t);
  const at = (r: { t: string }) => `+${((Date.parse(r.t) - opened) / 1000).toFixed(1)} s`;
  if (leaders.length) {
    const first = leaders[0]!;
    const said = `${first.node}'s etcd-manager was elected leader ${label} ("I am leader" ${at(first)} after the window opened)`;
    return leader ? pass(said, [first]) : fail(said, [first, ...expired.slice(0, 1)]);
  }
  const lasted = Date.parse(window.before ?? q.records.at(-1)!.t) - opened;
  const failing = expired.length ? `; their gRPC pings to each other failed ${expired.length} time(s) with "certificate has expired"` : '';
  if (leader && !expired.length && lasted < LEADER_WINDOW_MS)
    return unknown(
      `no etcd-manager logged "I am leader" in the ${(lasted / 1000).toFixed(0)} s ${label}, and none failed a gRPC ping: too short to tell a mesh still electing from one that cannot`,
      [],
    );
  if (leader) return fail(`no etcd-manager logged "I am leader" ${label}${failing}`, expired.slice(0, 3));
  if (lasted < MESH_WINDOW_MS)
    return unknown(
      `the window ${label} lasted ${(lasted / 1000).toFixed(0)} s: too short to tell a mesh without a leader from one that had not logged yet`,
      expired.slice(0, 1),
    );
  if (!expired.length)
    return unknown(
      `no etcd-manager logged "I am leader" ${label}, but none logged a failed gRPC ping either: cannot tell a broken mesh from a quiet one`,
      [],
    );
  return pass(`no etcd-manager logged "I am leader" in the ${(lasted / 1000).toFixed(0)} s ${label}${failing}`, [
    ...new Map(expired.map((a) => [a.node, a])).values(),
  ]);
}

/**
 * Each member logged, in the window, a line (of any program in the master:
 * etcd, etcd-manager, kube-apiserver) that contains `text`.
 */
export function eachMasterLogs(
  q: TimelineQuery,
  { window, text, label, from = () => true }: { window: Window; text: string; label: string; from?: (line: string) => boolean },
): ExpectationResult {
  const lines = (node: string) =>
    q.records.filter(
      (r): r is AlertRecord | LogRecord =>
        (r.kind === 'log' || r.kind === 'alert') && r.node === node && r.text.includes(text) && from(r.text) && sampleInWindow(r, window),
    );
  const found = MEMBERS.map((node) => ({ node, lines: lines(node) }));
  const silent = found.filter((f) => f.lines.length === 0).map((f) => f.node);
  if (silent.length)
    return fail(
      `${silent.join(', ')} logged no "${text}" ${label}`,
      found.flatMap((f) => f.lines.slice(0, 1)),
    );
  return pass(
    `${MEMBERS.join(', ')} each logged "${text}" ${label} (${found.map((f) => `${f.node} ${f.lines.length}`).join(', ')} line(s))`,
    found.map((f) => f.lines[0]!),
  );
}

/** After the jump, every member's clock reads `spec` ahead, and so does every etcd line it stamps. */
export function etcdLogsAhead(q: TimelineQuery, { jump, spec, seconds }: { jump: StepRef; spec: string; seconds: number }): ExpectationResult {
  const moved = clocksMoved(q, MEMBERS, { jump, seconds, use: 'shown', toleranceSeconds: 60 });
  const step = q.step(jump);
  const next = q.nextStep(jump);
  const evidence = [];
  const behind: string[] = [];
  for (const node of MEMBERS) {
    const lines = q.records.filter(
      (r): r is AlertRecord | LogRecord =>
        (r.kind === 'log' || r.kind === 'alert') &&
        r.node === node &&
        r.nodeTime !== undefined &&
        Date.parse(r.t) > Date.parse(step.t) &&
        !(r.kind === 'log' && r.topic === 'libc-clock'),
    );
    // Only lines stamped before a later jump moved the clocks again.
    const later = q.steps().find((s) => Date.parse(s.startedAt) > Date.parse(step.t) && q.clocks({ after: s.startedAt, before: s.t }).length > 0);
    const inThisJump = later ? lines.filter((r) => Date.parse(r.t) < Date.parse(later.startedAt)) : lines;
    if (inThisJump.length === 0)
      return unknown(`${node} logged no time-stamped line after the jump${next ? ` and before ${next.id}` : ''}`, moved.evidence);
    const ahead = inThisJump.map((r) => (Date.parse(r.nodeTime!) - Date.parse(r.t)) / 1000);
    const off = ahead.filter((s) => Math.abs(s - seconds) > 60).length;
    if (off) behind.push(`${node} (${off} of ${inThisJump.length} lines not ${spec} ahead)`);
    evidence.push(inThisJump[0]!);
  }
  const holds = behind.length === 0;
  return {
    verdict: allOf(moved.verdict, verdictOf(holds)),
    observed: `${moved.observed}; ${holds ? `every time-stamped etcd line after the jump is ${spec} ahead of real time` : `not on the jumped clock: ${behind.join(', ')}`}`,
    evidence: [...moved.evidence, ...evidence],
  };
}

/** How long after the jump /readyz/etcd is expected to stay ok: in the runs here it did for 45 s, until raft lost its leader or etcd restarted. */
export const RIDE_MS = 20_000;

/**
 * /readyz/etcd Healthy on every member for the first RIDE_MS after the jump
 * `jump`, while get cs is Unhealthy on every member from the jump to
 * `until`; then, as what ended it, when /readyz/etcd first failed and
 * why (its own error), and what kube-apiserver logged about its etcd dials
 * just before.
 */
export function readinessRidesOldConnection(q: TimelineQuery, jump: StepRef, until: StepRef): ExpectationResult {
  const window = windowAfter(q, jump, until);
  const jumpMs = Date.parse(window.after!);
  const ride = { after: window.after, before: new Date(jumpMs + RIDE_MS).toISOString() };
  const readyz = everyHealthSample(q, MEMBERS, {
    window: ride,
    view: 'apiserver',
    healthy: true,
    label: `in the ${RIDE_MS / 1000} s after the jump`,
  });
  const cs = everyHealthSample(q, MEMBERS, { window, view: 'componentstatus', healthy: false, label: 'after the jump' });
  const ended = MEMBERS.map((node) => q.states({ after: window.after, node, view: 'apiserver' }).find((s) => !s.ok && !s.noAnswer)).filter(
    (s) => s !== undefined,
  );
  // What kube-apiserver logged about its etcd connections just before the first failure: what ended the ride.
  const first = [...ended].sort((x, y) => x.t.localeCompare(y.t))[0];
  const redial = first
    ? q.records
        .filter(
          (r): r is AlertRecord | LogRecord =>
            (r.kind === 'alert' || r.kind === 'log') &&
            r.node === first.node &&
            r.text.startsWith('kube-apiserver:') &&
            r.text.includes('createTransport failed') &&
            Date.parse(r.t) <= Date.parse(first.t) &&
            Date.parse(r.t) > Math.max(Date.parse(first.t) - 10_000, jumpMs),
        )
        .at(-1)
    : undefined;
  const since = (t: string) => `+${((Date.parse(t) - jumpMs) / 1000).toFixed(0)} s`;
  const end = first
    ? `; it first failed at ${ended.map((s) => `${s.node} ${since(s.t)}`).join(', ')} after the jump (${window.to!.id} began at ${since(window.to!.startedAt)}), first with "${(first.error ?? '').replace(/^.*error getting data from etcd: /, '').replace(/"\) has prevented.*$/, '')}"`
    : '; it never failed after the jump';
  const why = redial
    ? `; just before, ${redial.node}'s kube-apiserver logged at ${since(redial.t)} that its dial to 127.0.0.1:4001 failed: "${redial.text.replace(/^.*desc = "?/, '').replace(/"$/, '')}"`
    : '';
  return {
    verdict: allOf(readyz.verdict, cs.verdict),
    observed: `${readyz.observed}, while ${cs.observed}${end}${why}`,
    evidence: [...readyz.evidence, ...cs.evidence, ...ended, ...(redial ? [redial] : [])],
  };
}

/** Every member Healthy in both of a kops master's views, kube-apiserver's /readyz/etcd and kubectl get cs, in the window. */
export function healthyInBothViews(q: TimelineQuery, window: Window, label: string): ExpectationResult {
  return parts(
    everyHealthSample(q, MEMBERS, { window, view: 'apiserver', healthy: true, label, aside: RAFT_ELECTION }),
    everyHealthSample(q, MEMBERS, { window, view: 'componentstatus', healthy: true, label, aside: RAFT_ELECTION }),
  );
}

/** Healthy in /readyz/etcd and in get cs after a wait that met its condition, until the next action; how long it took from step `from`. */
export function healthyAfter(q: TimelineQuery, { wait: waited, from, label }: { wait: StepRef; from: StepRef; label: string }): ExpectationResult {
  const wait = q.step(waited);
  if (wait.outcome !== 'met') return unknown(`not Healthy within the wait (${wait.detail ?? 'timed out'})`, [wait]);
  const fromStep = q.step(from);
  const until = q.steps().find((s) => Date.parse(s.startedAt) >= Date.parse(wait.t) && s.id !== wait.id && !s.id.startsWith('observe-'));
  const window = { after: wait.t, before: until?.startedAt };
  const all = healthyInBothViews(q, window, label);
  const took = ((Date.parse(wait.t) - Date.parse(fromStep.t)) / 1000).toFixed(1);
  return { ...all, observed: `Healthy ${took} s after ${fromStep.id}; ${all.observed}`, evidence: [wait, ...all.evidence] };
}
