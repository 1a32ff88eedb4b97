import type { StepHandle, TimelineQuery } from '../src/observe/query.js';
import { everyHealthSample, healthErrorsMention, someNodeLogs, windowAfter } from '../src/scenario/checks.js';
import type { ExpectationResult } from '../src/scenario/types.js';
import { allOf, fail, pass, unknown, verdictOf } from '../src/scenario/verdict.js';
import { defineScenario } from '../src/scenario/types.js';
import { etcd, kopsEtcdCluster } from '../src/workload/etcd/index.js';

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
const SKEWED = 'etcd-c';
const PEERS = MEMBERS.filter((m) => m !== SKEWED);
/** Past the one-year lifetime of every member certificate, by the skewed member's clock alone. */
const JUMP = '+366d';
const JUMP_SECONDS = 366 * 86_400;
const EXPIRED = 'certificate has expired or is not yet valid';

export default defineScenario({
  name: 'etcd-member-clock-skew',
  summary: "One etcd member's clock alone jumps +366 days while running.",
  workload: etcd,
  description:
    `A Healthy kops-style etcd cluster with one-year member certificates; then ${SKEWED}'s clock alone jumps ${JUMP} while running (certdrill-clock, which moves etcd's Go clock), past every certificate's expiry by its clock and by no one else's. ` +
    "kube-apiserver's view is taken beside each member, on its clock. Who rejects whom?",
  question: "When one etcd member's clock runs a year ahead, who rejects whom, and does the cluster keep quorum?",

  async setup(reference) {
    return { cluster: { clusters: [await kopsEtcdCluster({ reference, manager: 'hand-issued', apiserverOn: 'member', clientValidFor: '2y' })] } };
  },

  async run(s) {
    await s.waitFor(
      'healthy',
      'wait until every member is Healthy in both views',
      (view) => view.allHealthy() && view.allHealthy(s.nodes, 'etcdctl'),
      { timeoutMs: 25_000, required: true },
    );
    const skew = await s.jumpClocks([SKEWED], JUMP, { id: 'skew' });
    await s.observe({ minMs: 8_000, maxMs: 12_000, stableSamples: 4 }, `who rejects whom once ${SKEWED} lives a year ahead?`);
    return { skew };
  },

  expectations: [
    {
      id: 'skewed-clock-reaches-etcd',
      title: `${SKEWED}'s etcd stamps its log ${JUMP} ahead after the jump; its peers' etcd stays on real time`,
      basis: "certdrill-clock moves one node's clock, the processes of the others are untouched",
      check: (q, _, { skew }): ExpectationResult => {
        const after = q.step(skew).t;
        const offsets = MEMBERS.map((node) => {
          const lines = q.records.filter((r) => (r.kind === 'log' || r.kind === 'alert') && r.node === node && r.nodeTime && r.t > after);
          return { node, lines, ahead: lines.map((r) => (Date.parse((r as { nodeTime: string }).nodeTime) - Date.parse(r.t)) / 1000) };
        });
        const silent = offsets.filter((o) => o.lines.length === 0).map((o) => o.node);
        if (silent.includes(SKEWED)) return unknown(`${SKEWED} logged no time-stamped line after the jump`);
        const skewedOk = offsets.find((o) => o.node === SKEWED)!.ahead.every((s) => Math.abs(s - JUMP_SECONDS) < 60);
        const peersOk = offsets.filter((o) => o.node !== SKEWED).every((o) => o.ahead.every((s) => Math.abs(s) < 60));
        const said = offsets
          .map(
            (o) =>
              `${o.node}: ${o.lines.length} lines${o.lines.length ? `, ${(Math.max(...o.ahead.map(Math.abs)) / 86_400).toFixed(2)} days ahead at most` : ''}`,
          )
          .join('; ');
        return { verdict: verdictOf(skewedOk && peersOk), observed: said, evidence: offsets.flatMap((o) => o.lines.slice(0, 1)) };
      },
    },
    {
      id: 'only-skewed-member-judges-expired',
      title: `only ${SKEWED} logs "${EXPIRED}" after the jump, and its peers log "remote error: tls: bad certificate": they were rejected by it`,
      basis: "x509 validation compares notAfter with the verifier's clock (RFC 5280 6.1.3): only the member a year ahead sees expired certificates",
      answer: {
        pass: `Only ${SKEWED}, the member whose clock moved, judges certificates expired; its peers are told "bad certificate"`,
        fail: 'The rejections did not come from the skewed member alone',
      },
      check: (q, _, { skew }) => whoRejects(q, skew),
    },
    {
      id: 'peers-keep-quorum',
      title: `${PEERS.join(' and ')} stay Healthy in etcdctl's view after the jump: two of three members are a quorum`,
      basis: 'raft needs a majority; the two members on real time accept each other',
      answer: { pass: `${PEERS.join(' and ')} keep quorum and stay Healthy`, fail: 'The other members did not stay Healthy' },
      check: (q, _, { skew }) =>
        everyHealthSample(q, PEERS, { window: windowAfter(q, skew), view: 'etcdctl', healthy: true, label: 'after the jump' }),
    },
    {
      id: 'apiserver-beside-skewed-member-unhealthy',
      title: `the API server beside ${SKEWED} (on its clock) sees it Unhealthy, its certificate expired; those beside ${PEERS.join(' and ')} see theirs Healthy`,
      basis: "each API server checks its member's certificate against its own host's clock",
      answer: {
        pass: `only the API server beside ${SKEWED}, sharing its clock, sees its member Unhealthy`,
        fail: "the API servers' views did not split by clock",
      },
      check: (q, _, { skew }): ExpectationResult => {
        const window = windowAfter(q, skew);
        const skewed = everyHealthSample(q, [SKEWED], { window, view: 'apiserver', healthy: false, label: 'after the jump' });
        const why = healthErrorsMention(q, [SKEWED], { window, view: 'apiserver', text: 'certificate has expired', label: 'after the jump' });
        const peers = everyHealthSample(q, PEERS, { window, view: 'apiserver', healthy: true, label: 'after the jump' });
        return {
          verdict: allOf(skewed.verdict, why.verdict, peers.verdict),
          observed: `${skewed.observed}; ${why.observed}; ${peers.observed}`,
          evidence: [...skewed.evidence.slice(0, 2), ...peers.evidence.slice(0, 2)],
        };
      },
    },
  ],
});

function whoRejects(q: TimelineQuery, skew: StepHandle): ExpectationResult {
  const window = windowAfter(q, skew);
  const judged = someNodeLogs(q, [SKEWED], { window, text: EXPIRED, label: 'after the jump' });
  const peerJudged = q.alerts(window).filter((a) => PEERS.includes(a.node) && a.text.includes(EXPIRED));
  const told = someNodeLogs(q, PEERS, { window, text: 'remote error: tls: bad certificate', label: 'after the jump' });
  if (peerJudged.length > 0)
    return fail(`${[...new Set(peerJudged.map((a) => a.node))].join(', ')} also judged a certificate expired`, peerJudged.slice(0, 2));
  const verdict = allOf(judged.verdict, told.verdict);
  const observed = `${judged.observed}; ${told.observed}; no line from ${PEERS.join(' or ')} says "${EXPIRED}"`;
  return verdict === 'pass'
    ? pass(observed, [...judged.evidence, ...told.evidence])
    : { verdict, observed, evidence: [...judged.evidence, ...told.evidence] };
}
