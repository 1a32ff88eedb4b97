import type { TimelineQuery } from '../src/observe/query.js';
import type { LogRecord, AlertRecord } from '../src/observe/records.js';
import { everyHealthSample, someNodeLogs } from '../src/scenario/checks.js';
import type { ExpectationResult } from '../src/scenario/types.js';
import { allOf, unknown, verdictOf } from '../src/scenario/verdict.js';
import { defineScenario } from '../src/scenario/types.js';
import { etcd, kopsEtcdCluster } from '../src/workload/etcd/index.js';

/** The same skew on two members of one cluster, moved two ways: libfaketime on one, certdrill-clock on the other. */
const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
const UNDER_FAKETIME = 'etcd-b';
const UNDER_SHIM = 'etcd-c';
const QUORUM = ['etcd-a', UNDER_FAKETIME];
const SKEW = '+2y';
const YEAR_MS = 365 * 86_400_000;

export default defineScenario({
  name: 'etcd-faketime-has-no-effect',
  summary: 'libfaketime against certdrill-clock on etcd (Go) at +2 years.',
  workload: etcd,
  description:
    `A kops-style etcd cluster with one-year certificates. ${UNDER_FAKETIME} runs under libfaketime with its clock ${SKEW}; ${UNDER_SHIM} runs under certdrill-clock with the same ${SKEW}; etcd-a on real time. ` +
    "If etcd saw that clock, every certificate would look expired to it: each member's own log timestamps say which clock etcd really read.",
  question: 'Can libfaketime move the clock etcd uses to validate certificates, and can certdrill-clock?',

  async setup(reference) {
    const skewed = (member: string) => (member === UNDER_FAKETIME || member === UNDER_SHIM ? SKEW : undefined);
    const mover = (member: string) => (member === UNDER_FAKETIME ? 'libfaketime' : 'certdrill-clock');
    return { cluster: { clusters: [await kopsEtcdCluster({ reference, members: MEMBERS, manager: 'hand-issued', clock: skewed, clockBy: mover })] } };
  },

  async run(s) {
    const formed = await s.waitFor(
      'healthy',
      `wait until ${QUORUM.join(' and ')} are Healthy in both views`,
      (view) => view.allHealthy(QUORUM) && view.allHealthy(QUORUM, 'etcdctl'),
      { timeoutMs: 30_000, required: true },
    );
    await s.readLibcClock(UNDER_FAKETIME);
    await s.readLibcClock(UNDER_SHIM);
    await s.observe({ minMs: 5_000, maxMs: 8_000, stableSamples: 4 }, `does ${UNDER_FAKETIME} stay in the cluster, and can ${UNDER_SHIM} join it?`);
    return { formed };
  },

  expectations: [
    {
      id: 'libfaketime-active',
      title: `libfaketime is active in ${UNDER_FAKETIME}: a libc program there reads a clock ${SKEW} ahead`,
      basis: 'LD_PRELOAD of libfaketime with the clock file',
      answer: { pass: "libfaketime moved a libc program's clock", fail: "libfaketime did not move even a libc program's clock" },
      check: (q) => dateAhead(q, UNDER_FAKETIME, 'libfaketime'),
    },
    {
      id: 'etcd-keeps-real-time',
      title: `etcd in ${UNDER_FAKETIME} stamps its log with real time, not its faked clock`,
      basis: 'Go reads the time through the vDSO, not through libc, so LD_PRELOAD cannot reach it',
      answer: { pass: "No: libfaketime did not move etcd's", fail: "libfaketime moved etcd's clock" },
      check: (q): ExpectationResult => {
        const lines = etcdLines(q, UNDER_FAKETIME);
        if (lines.length === 0) return unknown(`no time-stamped log line from ${UNDER_FAKETIME}`);
        const worst = Math.max(...lines.map((r) => Math.abs(aheadMs(r))));
        return {
          verdict: verdictOf(worst < 60_000),
          observed: `all ${lines.length} time-stamped lines of ${UNDER_FAKETIME} within ${(worst / 1000).toFixed(1)} s of real time, while its \`date\` read ${SKEW}`,
          evidence: [lines[0]!, lines[lines.length - 1]!],
        };
      },
    },
    {
      id: 'skewed-member-validates-by-real-time',
      title: `${UNDER_FAKETIME} accepts its peers' one-year certificates (it logs no "certificate has expired") and stays Healthy, in the quorum with etcd-a`,
      basis: 'under libfaketime etcd checks certificates against the real clock, where they are valid',
      answer: {
        pass: 'the member under libfaketime validated its peers by real time and stayed in the quorum',
        fail: 'the member under libfaketime did not stay in the quorum',
      },
      check: (q, _, { formed }): ExpectationResult => {
        const healthy = everyHealthSample(q, QUORUM, {
          window: { after: q.step(formed).t },
          view: 'etcdctl',
          healthy: true,
          label: 'after the cluster formed',
        });
        const judged = q.alerts().filter((a) => a.node === UNDER_FAKETIME && a.text.includes('certificate has expired'));
        if (judged.length > 0)
          return { verdict: 'fail', observed: `${UNDER_FAKETIME} judged ${judged.length} certificate(s) expired`, evidence: judged.slice(0, 2) };
        return { ...healthy, observed: `${UNDER_FAKETIME} judged no certificate expired; ${healthy.observed}` };
      },
    },
    {
      id: 'certdrill-clock-moves-etcd',
      title: `etcd in ${UNDER_SHIM}, under certdrill-clock, stamps its log ${SKEW} ahead, as \`date\` there reads; beside it, ${UNDER_FAKETIME}'s etcd on real time`,
      basis: "certdrill-clock redirects the vDSO's real-time reads in etcd to add the node's offset",
      answer: { pass: 'certdrill-clock did: etcd stamped its log on the moved clock', fail: "certdrill-clock did not move etcd's clock either" },
      check: (q): ExpectationResult => {
        const date = dateAhead(q, UNDER_SHIM, 'certdrill-clock');
        const lines = etcdLines(q, UNDER_SHIM);
        if (lines.length === 0) return unknown(`no time-stamped log line from ${UNDER_SHIM}`, date.evidence);
        const years = lines.map((r) => aheadMs(r) / YEAR_MS);
        const off = years.filter((y) => Math.abs(y - 2) > 0.01);
        const other = etcdLines(q, UNDER_FAKETIME);
        const sideBySide = other.length
          ? `; ${UNDER_FAKETIME}'s etcd (libfaketime): ${(Math.max(...other.map((r) => Math.abs(aheadMs(r)))) / 1000).toFixed(1)} s from real time at most`
          : '';
        return {
          verdict: allOf(date.verdict, verdictOf(off.length === 0)),
          observed: `${date.observed}; ${UNDER_SHIM}'s etcd (certdrill-clock): ${lines.length - off.length} of ${lines.length} time-stamped lines ${SKEW} ahead${sideBySide}`,
          evidence: [...date.evidence, lines[0]!, lines[lines.length - 1]!, ...(other.length ? [other[other.length - 1]!] : [])],
        };
      },
    },
    {
      id: 'moved-member-rejects-peers',
      title: `${UNDER_SHIM} judges its peers' certificates by its moved clock: it logs "certificate has expired or is not yet valid" and never becomes Healthy`,
      basis: "x509 validation compares notAfter with the verifier's clock (RFC 5280 6.1.3)",
      answer: {
        pass: "and by that clock etcd judged its peers' certificates expired and could not join",
        fail: 'the member under certdrill-clock did not judge by its clock',
      },
      check: (q, _, { formed }): ExpectationResult => {
        const rejects = someNodeLogs(q, [UNDER_SHIM], { text: 'certificate has expired or is not yet valid', label: 'during the run' });
        const alone = everyHealthSample(q, [UNDER_SHIM], {
          window: { after: q.step(formed).t },
          view: 'etcdctl',
          healthy: false,
          label: 'once its peers had formed',
        });
        return {
          verdict: allOf(rejects.verdict, alone.verdict),
          observed: `${rejects.observed}; ${alone.observed}`,
          evidence: [...rejects.evidence, ...alone.evidence.slice(0, 2)],
        };
      },
    },
  ],
});

/** `date` in the node, read after the cluster formed, is SKEW ahead and was read under the named clock mover. */
function dateAhead(q: TimelineQuery, node: string, mover: string): ExpectationResult {
  const reading = q.logs({ node, topic: 'libc-clock' })[0];
  if (!reading?.nodeTime) return unknown(`no clock reading from date in ${node}`, reading ? [reading] : []);
  const years = aheadMs(reading) / YEAR_MS;
  return {
    verdict: verdictOf(Math.abs(years - 2) < 0.01 && reading.text.includes(mover)),
    observed: `${node}'s \`date\` under ${mover} read ${years.toFixed(3)} years ahead`,
    evidence: [reading],
  };
}

/** etcd's own time-stamped lines from a node (not certdrill's `date` readings). */
function etcdLines(q: TimelineQuery, node: string): (LogRecord | AlertRecord)[] {
  return q.records.filter(
    (r): r is LogRecord | AlertRecord =>
      (r.kind === 'log' || r.kind === 'alert') && r.node === node && r.nodeTime !== undefined && !(r.kind === 'log' && r.topic === 'libc-clock'),
  );
}

function aheadMs(r: { t: string; nodeTime?: string }): number {
  return Date.parse(r.nodeTime!) - Date.parse(r.t);
}
