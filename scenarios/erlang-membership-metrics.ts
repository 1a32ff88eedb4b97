import type { StepHandle, TimelineQuery } from '../src/observe/query.js';
import { caNotAfterOf, erlang, erlangCluster } from '../src/workload/erlang/index.js';
import { membershipSamples } from '../src/workload/membership-view.js';
import { firstFiring, type MetricsRule } from '../src/scenario/checks.js';
import { defineScenario, type ExpectationResult } from '../src/scenario/types.js';
import { verdictOf } from '../src/scenario/verdict.js';

const NODES = ['node1', 'node2', 'node3'];
const RESTARTED = 'node3';
const DAY = 86_400;

/** Fires a week before the CA expires. */
const CA_EXPIRES_SOON: MetricsRule = {
  name: 'CertdrillCAExpiresSoon',
  expr: 'certdrill_certificate_expiry_seconds{certificate="ca"} < 7 * 86400',
  fires: (v) => (v['certdrill_certificate_expiry_seconds{certificate="ca"}'] ?? Infinity) < 7 * DAY,
};
/** Fires when a node is connected to fewer peers than the cluster has, less itself. */
const CLUSTER_INCOMPLETE: MetricsRule = {
  name: 'CertdrillClusterIncomplete',
  expr: 'certdrill_connected_peers < certdrill_expected_cluster_size - 1',
  fires: (v) => (v.certdrill_connected_peers ?? 0) < (v.certdrill_expected_cluster_size ?? 0) - 1,
};

export default defineScenario({
  name: 'erlang-membership-metrics',
  summary: '`/metrics` as the clocks advance: when a "CA expires soon" and a "cluster incomplete" alert fire.',
  workload: erlang,
  description:
    'erlang-app exports Prometheus metrics (connected peers, expected cluster size, seconds until its certificate and the CA expire). A 30-day CA; the clocks advance to +20d, +24d and +31d, then one node restarts. When would an alert rule on those metrics have fired, and when did clustering break?',
  question: 'Which metrics show cluster membership, so an alert fires before or when clustering breaks?',

  setup: (reference) => ({ cluster: erlangCluster({ reference, nodes: NODES }) }),

  async run(s) {
    const fullMesh = await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    await s.jumpClocks(s.nodes, '+20d', { id: 'ca-10-days-left' });
    await s.observe(2_500, 'the CA has 10 days left');
    const sixDaysLeft = await s.jumpClocks(s.nodes, '+24d', { id: 'ca-6-days-left' });
    await s.observe(2_500, 'the CA has 6 days left');
    await s.jumpClocks(s.nodes, '+31d', { id: 'ca-expired' });
    await s.observe(2_500, 'the CA expired a day ago');
    const restart = await s.restart(RESTARTED);
    await s.observe({ minMs: 3_000, maxMs: 6_000, stableSamples: 4 }, 'clustering breaks: which rule fires?');
    return { fullMesh, sixDaysLeft, restart };
  },

  expectations: [
    {
      id: 'ca-alert-before-expiry',
      title: `${CA_EXPIRES_SOON.name} (${CA_EXPIRES_SOON.expr}) fires on every node before the CA expires`,
      basis: "the metric counts down to the CA's notAfter by the node's clock",
      answer: { pass: `${CA_EXPIRES_SOON.expr} warns before the CA expires`, fail: `${CA_EXPIRES_SOON.expr} did not warn before the CA expired` },
      check: (q, _, { sixDaysLeft }): ExpectationResult => {
        const fired = firstFiring(q, CA_EXPIRES_SOON, NODES);
        const caNotAfter = membershipSamples(q).map(caNotAfterOf).find(Boolean);
        const early = [...fired.values()].every((r) => r?.nodeTime && caNotAfter && Date.parse(r.nodeTime) < Date.parse(caNotAfter));
        const notAtStart = [...fired.values()].every((r) => r && Date.parse(r.t) > Date.parse(q.step(sixDaysLeft).startedAt));
        const first = [...fired.values()][0];
        return {
          verdict: verdictOf(early && notAtStart),
          observed:
            first?.nodeTime && caNotAfter
              ? `first fired at ${first.nodeTime} (node clock), ${((Date.parse(caNotAfter) - Date.parse(first.nodeTime)) / 86_400_000).toFixed(1)} days before the CA's notAfter ${caNotAfter}`
              : 'it never fired',
          evidence: [...fired.entries()].map(([node, r]) => r ?? `${node}: never fired`),
        };
      },
    },
    {
      id: 'membership-quiet-while-connected',
      title: `${CLUSTER_INCOMPLETE.name} (${CLUSTER_INCOMPLETE.expr}) does not fire while the nodes stay connected, even after the CA expired`,
      basis: "established connections survive the CA's expiry, so the membership metric stays whole",
      answer: { pass: 'It stays quiet while connections survive an expired CA', fail: 'It fired while the nodes were still connected' },
      check: (q, _, { fullMesh, restart }): ExpectationResult => {
        const window = { after: q.step(fullMesh).t, before: q.step(restart).startedAt };
        const fired = [...firstFiring(q, CLUSTER_INCOMPLETE, NODES, window).values()].filter(Boolean);
        const samples = q.recordsIn('metrics', window);
        return {
          verdict: fired.length > 0 ? 'fail' : samples.length >= 6 ? 'pass' : 'unknown',
          observed: `${fired.length} firing among ${samples.length} samples before the restart`,
          evidence: fired.length ? fired.map((r) => r!) : samples.slice(-3),
        };
      },
    },
    {
      id: 'membership-alert-when-broken',
      title: `${CLUSTER_INCOMPLETE.name} fires on every node once clustering breaks at the restart; the CA alert had fired days (node time) earlier`,
      basis: 'the restarted node connects to nobody, the others to one peer fewer',
      answer: {
        pass: `${CLUSTER_INCOMPLETE.expr} fires when clustering breaks`,
        fail: `${CLUSTER_INCOMPLETE.expr} did not fire on every node when clustering broke`,
      },
      check: (q, _, { restart }) => membershipFires(q, restart),
    },
  ],
});

function membershipFires(q: TimelineQuery, restart: StepHandle): ExpectationResult {
  const fired = firstFiring(q, CLUSTER_INCOMPLETE, NODES, { after: q.step(restart).startedAt });
  const caFired = [...firstFiring(q, CA_EXPIRES_SOON, NODES).values()].find(Boolean);
  const all = [...fired.values()].every(Boolean);
  const first = [...fired.values()].filter(Boolean).sort((a, b) => a!.t.localeCompare(b!.t))[0];
  const lead = first?.nodeTime && caFired?.nodeTime ? (Date.parse(first.nodeTime) - Date.parse(caFired.nodeTime)) / 86_400_000 : undefined;
  return {
    verdict: verdictOf(all),
    observed: all
      ? `fired on ${NODES.join(', ')} from ${first!.nodeTime} (node clock); the CA alert had fired ${lead?.toFixed(1)} days earlier (node time), ${((Date.parse(first!.t) - Date.parse(caFired!.t)) / 1000).toFixed(1)} s earlier in this run's real time`
      : `did not fire on ${[...fired.entries()]
          .filter(([, r]) => !r)
          .map(([n]) => n)
          .join(', ')}`,
    evidence: [...fired.entries()].map(([node, r]) => r ?? `${node}: never fired`),
  };
}
