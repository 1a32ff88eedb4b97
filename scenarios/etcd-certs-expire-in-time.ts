import { clocksMoved, everyHealthSample, healthErrorsMention, someNodeLogs, windowAfter } from '../src/scenario/checks.js';
import type { ExpectationResult } from '../src/scenario/types.js';
import { allOf, unknown, verdictOf } from '../src/scenario/verdict.js';
import { defineScenario } from '../src/scenario/types.js';
import type { TimelineQuery } from '../src/observe/query.js';
import { etcd, kopsEtcdCluster } from '../src/workload/etcd/index.js';

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
/** A year of running, and a day: past the one-year lifetime of what a legacy etcd-manager issued at start. */
const JUMP = '+366d';
const JUMP_SECONDS = 366 * 86_400;
const REBOOTED = 'etcd-b';

export default defineScenario({
  name: 'etcd-certs-expire-in-time',
  workload: etcd,
  description:
    `The kops incident as it happened, in time: a legacy etcd-manager issued one-year member certificates at start; the cluster runs Healthy; then every member's clock jumps ${JUMP} while running (certdrill-clock, which moves etcd's own Go clock). ` +
    `kube-apiserver's view is taken beside each member, on its clock, as on a kops control-plane host. Then ${REBOOTED} restarts, as a node does in a year, and finally the incident's quick fix: restart etcd-manager, which re-issues the certificates by the members' clock.`,
  question: 'What does a kops etcd cluster do when a year passes under certificates a legacy etcd-manager issued for one year, and does restarting etcd-manager bring it back?',

  async setup(reference) {
    return {
      cluster: {
        clusters: [
          await kopsEtcdCluster({
            reference,
            manager: 'legacy',
            apiserverOn: 'member',
            // kube-apiserver's own client certificate is re-issued by kops at each control-plane boot: not what expired in the incident.
            clientValidFor: '2y',
          }),
        ],
      },
    };
  },

  async run(s) {
    await s.waitFor('healthy', 'wait until every member is Healthy in the API server\'s view', (view) => view.allHealthy(), { timeoutMs: 25_000 });
    await s.observe({ minMs: 2_000, maxMs: 4_000, stableSamples: 3 }, 'Healthy before the year passes');
    await s.jumpClocks(MEMBERS, JUMP, { id: 'year-passes' });
    await s.observe({ minMs: 5_000, maxMs: 10_000, stableSamples: 4 }, 'a year later: which view turns Unhealthy, and does raft keep its leader over the established peer connections?');
    await s.restart(REBOOTED, { id: 'reboot' });
    await s.observe({ minMs: 5_000, maxMs: 10_000, stableSamples: 4 }, `${REBOOTED} restarted, as a node does in a year: can it rejoin?`);
    await s.restartManager(MEMBERS, { id: 'restart-manager' });
    await s.waitFor('recovered', 'wait until every member is Healthy in the API server\'s view', (view) => view.allHealthy(), { timeoutMs: 30_000 });
    await s.observe({ minMs: 2_000, maxMs: 4_000, stableSamples: 4 }, 'does it stay Healthy?');
  },

  answer: [
    { expectation: 'etcd-runs-on-jumped-clock', pass: `etcd itself lives ${JUMP} ahead after the jump (its own log says so)`, fail: 'etcd\'s own clock did not move' },
    { expectation: 'apiserver-unhealthy-after-year', pass: 'the API server sees every member Unhealthy, its certificate expired', fail: 'the API server did not see every member Unhealthy for the expired certificate' },
    { expectation: 'peers-reject-after-year', pass: 'the members reject each other with the incident\'s lines', fail: 'the members did not log the incident\'s lines' },
    { expectation: 'rebooted-member-cannot-rejoin', pass: 'a member that restarts cannot rejoin', fail: 'a restarted member rejoined' },
    { expectation: 'manager-restart-recovers', pass: 'restarting etcd-manager re-issues the certificates by the members\' clock and etcd is Healthy again', fail: 'restarting etcd-manager did not bring etcd back' },
  ],

  expectations: [
    {
      id: 'healthy-before',
      title: 'every member is Healthy in the API server\'s view before the year passes',
      basis: 'the member certificates are one day old by the members\' clock',
      check: (q) => everyHealthSample(q, MEMBERS, { after: q.step('healthy').t, before: q.step('year-passes').startedAt }, 'apiserver', true, 'before the jump'),
    },
    {
      id: 'etcd-runs-on-jumped-clock',
      title: `after the jump every member's clock reads ${JUMP}, and etcd stamps its own log lines ${JUMP} ahead`,
      basis: 'certdrill-clock redirects etcd\'s vDSO real-time reads to add the member\'s offset',
      check: (q) => etcdLogsAhead(q),
    },
    {
      id: 'apiserver-unhealthy-after-year',
      title: 'the API server\'s view (curl beside each member, on its clock) is Unhealthy for every member once the year has passed: the member\'s certificate has expired',
      basis: 'each /health probe is a new TLS handshake, checked against the caller\'s clock (RFC 5280 6.1.3)',
      check: (q): ExpectationResult => {
        const window = windowAfter(q, 'year-passes', 'reboot');
        const unhealthy = everyHealthSample(q, MEMBERS, window, 'apiserver', false, 'after the jump');
        const why = healthErrorsMention(q, MEMBERS, window, 'apiserver', 'certificate has expired', 'after the jump');
        return { verdict: allOf(unhealthy.verdict, why.verdict), observed: `${unhealthy.observed}; ${why.observed}`, evidence: [...unhealthy.evidence, ...why.evidence] };
      },
    },
    {
      id: 'peers-reject-after-year',
      title: 'the members reject each other\'s peer certificates with the incident\'s lines: "x509: certificate has expired or is not yet valid" and "remote error: tls: bad certificate"',
      basis: 'incident: new peer handshakes fail once the one-year certificates have expired by the members\' clock; the side that judged logs the x509 error, the side judged the alert it was sent',
      check: (q): ExpectationResult => {
        const window = windowAfter(q, 'year-passes', 'restart-manager');
        const judged = someNodeLogs(q, MEMBERS, window, 'x509: certificate has expired or is not yet valid', 'after the jump');
        const alerted = someNodeLogs(q, MEMBERS, window, 'remote error: tls: bad certificate', 'after the jump');
        return { verdict: allOf(judged.verdict, alerted.verdict), observed: `${judged.observed}; ${alerted.observed}`, evidence: [...judged.evidence, ...alerted.evidence] };
      },
    },
    {
      id: 'rebooted-member-cannot-rejoin',
      title: `${REBOOTED}, restarted a year on with its expired certificates, cannot rejoin: its etcdctl view stays Unhealthy until etcd-manager restarts`,
      basis: 'a restarted member must make new peer handshakes, and its one-year certificates have expired by every member\'s clock',
      check: (q) => everyHealthSample(q, [REBOOTED], windowAfter(q, 'reboot', 'restart-manager'), 'etcdctl', false, 'after its restart'),
    },
    {
      id: 'manager-restart-recovers',
      title: 'restarting etcd-manager re-issues every member\'s certificates from the members\' clock, and every member is Healthy again',
      basis: 'incident: restarting etcd-manager regenerated the certificates and health came back',
      check: (q): ExpectationResult => {
        const restart = q.step('restart-manager');
        const wait = q.step('recovered');
        const issued = q.records.filter((r) => r.kind === 'certificate' && Date.parse(r.t) >= Date.parse(restart.startedAt));
        const byMemberClock = issued.filter((r) => r.kind === 'certificate' && Math.abs(Date.parse(r.notBefore) - Date.parse(r.t) - JUMP_SECONDS * 1000) < 3_600_000);
        const stays = everyHealthSample(q, MEMBERS, { after: wait.t }, 'apiserver', true, 'after they came back');
        const verdict = allOf(verdictOf(wait.outcome === 'met' && issued.length === MEMBERS.length * 2 && byMemberClock.length === issued.length), stays.verdict);
        return {
          verdict,
          observed: `${issued.length} certificates re-issued, ${byMemberClock.length} of them valid from the members' clock (${JUMP}); ${wait.outcome === 'met' ? 'all Healthy again' : `not Healthy within the wait (${wait.detail})`}; ${stays.observed}`,
          evidence: [...issued.slice(0, 2), wait, ...stays.evidence],
        };
      },
    },
  ],
});

function etcdLogsAhead(q: TimelineQuery): ExpectationResult {
  const moved = clocksMoved(q, MEMBERS, 'year-passes', JUMP_SECONDS, { use: 'shown', toleranceSeconds: 60 });
  const after = q.step('year-passes').t;
  const evidence = [];
  const behind: string[] = [];
  for (const node of MEMBERS) {
    const lines = q.records.filter((r) => (r.kind === 'log' || r.kind === 'alert') && r.node === node && r.nodeTime && Date.parse(r.t) > Date.parse(after) && !(r.kind === 'log' && r.topic === 'libc-clock'));
    if (lines.length === 0) return unknown(`${node} logged no time-stamped line after the jump`, moved.evidence);
    const ahead = lines.map((r) => (Date.parse((r as { nodeTime: string }).nodeTime) - Date.parse(r.t)) / 1000);
    if (ahead.some((s) => Math.abs(s - JUMP_SECONDS) > 60)) behind.push(`${node} (${ahead.filter((s) => Math.abs(s - JUMP_SECONDS) > 60).length} of ${lines.length} lines not ${JUMP} ahead)`);
    evidence.push(lines[0]!);
  }
  const holds = behind.length === 0;
  return {
    verdict: allOf(moved.verdict, verdictOf(holds)),
    observed: `${moved.observed}; ${holds ? `every time-stamped etcd line after the jump is ${JUMP} ahead of real time` : `not on the jumped clock: ${behind.join(', ')}`}`,
    evidence: [...moved.evidence, ...evidence],
  };
}
