import type { StepHandle, TimelineQuery } from '../src/observe/query.js';
import { caNotAfterOf, erlang, erlangCluster, nodeCert } from '../src/workload/erlang/index.js';
import { membershipSamples, type MembershipSample } from '../src/workload/membership-view.js';
import { staysAlone, stayFullyConnected, windowAfter } from '../src/scenario/checks.js';
import { defineScenario, type ExpectationResult } from '../src/scenario/types.js';
import { fail, unknown, verdictOf } from '../src/scenario/verdict.js';

const NODES = ['node1', 'node2', 'node3'];
const DAY_MS = 86_400_000;
/** The CA lives 30 days; the clocks go 36 days ahead: it expired six days ago. */
const SKEW = '+36d';

export default defineScenario({
  name: 'erlang-restart-after-expiry',
  summary: 'The incident exactly: the CA expired six days ago, every pod restarts with new certificates from it.',
  workload: erlang,
  description: `The Erlang incident exactly: a 30-day CA that expired six days ago (every clock ${SKEW}), the nodes still running and clustered; then every pod restarts with brand-new 90-day node certificates from the same, expired CA.`,
  question: 'When did clustering actually break: when the CA expired, or when the pods restarted with fresh certificates?',

  setup: (reference) => {
    const cluster = erlangCluster({ reference, nodes: NODES });
    return { cluster, ca: cluster.ca };
  },

  async run(s, { ca }) {
    await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    const jump = await s.jumpClocks(s.nodes, SKEW);
    await s.observe({ minMs: 2_000, maxMs: 5_000, stableSamples: 4 }, 'the CA expired six days ago by every clock: is the cluster still whole?');
    // cert-manager issues the new certificates at the nodes' present, from the same CA.
    const issuedAt = new Date(Date.now() + 36 * DAY_MS);
    const restarts = await Promise.all(
      s.nodes.map((name) => s.restart(name, { cert: { ...nodeCert(name, ca, issuedAt), name: `${name} (re-issued)` } })),
    );
    await s.observe({ minMs: 3_000, maxMs: 8_000, stableSamples: 4 }, 'every pod restarted with a fresh certificate: does the cluster form again?');
    return { jump, restarts: new Map(s.nodes.map((node, i) => [node, restarts[i]!])) };
  },

  expectations: [
    {
      id: 'whole-while-running',
      title: 'the running cluster stays whole for as long as nothing restarts, though the CA expired six days ago',
      basis: 'incident: nothing broke until the pods restarted; an established TLS connection is not re-verified',
      answer: { pass: 'Not at the expiry: the running cluster stayed whole', fail: 'Already at the expiry: the running cluster broke' },
      check: (q, _, steps) =>
        stayFullyConnected(q, NODES, {
          window: { after: q.step(steps.jump).t, before: firstRestart(q, steps.restarts) },
          label: 'after the jump, before the restarts',
        }),
    },
    {
      id: 'break-came-at-restart',
      title: 'clustering broke at the restart, days after the CA expired: the report gives both times and the gap',
      basis: 'incident: the CA expired, the pods restarted later, and only then did clustering break',
      answer: { pass: 'At the restart', fail: 'Not at the restart' },
      check: (q, _, steps) => breakAfterExpiry(q, steps),
    },
    ...NODES.map((node) => ({
      id: `${node}-alone`,
      title: `${node}, restarted with a fresh certificate from the expired CA, stays alone`,
      basis:
        'incident: the restarted pods no longer clustered; a chain through an expired CA fails verification (RFC 5280 6.1.3) however new the leaf',
      answer: {
        pass: `${node}'s fresh certificate from the expired CA did not help: it stayed alone`,
        fail: `${node}, restarted with a fresh certificate, did not stay alone`,
      },
      check: (q: TimelineQuery, _: unknown, steps: Steps) =>
        staysAlone(q, node, {
          others: NODES.filter((n) => n !== node),
          window: windowAfter(q, steps.restarts.get(node)!),
          label: 'after the restarts',
        }),
    })),
  ],
});

/** The steps its checks read, as its run returns them. */
interface Steps {
  jump: StepHandle;
  restarts: Map<string, StepHandle>;
}

function firstRestart(q: TimelineQuery, restarts: Steps['restarts']): string {
  return [...restarts.values()].map((r) => q.step(r).startedAt).sort()[0]!;
}

function breakAfterExpiry(q: TimelineQuery, steps: Steps): ExpectationResult {
  const restart = firstRestart(q, steps.restarts);
  const lost = membershipSamples(q, { after: q.step(steps.jump).t }).find(
    (r: MembershipSample) => !r.noAnswer && (!r.ok || r.peers.length < NODES.length - 1),
  );
  const caNotAfter = membershipSamples(q).map(caNotAfterOf).find(Boolean);
  if (!lost) return fail('clustering never broke');
  if (!caNotAfter) return unknown("no sample reported the CA's notAfter", [lost]);
  const brokeAt = lost.nodeTime ?? new Date(Date.parse(lost.t) + 36 * DAY_MS).toISOString();
  const gapDays = (Date.parse(brokeAt) - Date.parse(caNotAfter)) / DAY_MS;
  const afterRestart = Date.parse(lost.t) >= Date.parse(restart);
  return {
    verdict: verdictOf(afterRestart && gapDays > 5),
    observed: `the CA expired at ${caNotAfter} (nodes' clocks); clustering broke at ${brokeAt} (${lost.node}'s clock, real ${lost.t}), ${afterRestart ? 'after' : 'BEFORE'} the restarts began: ${gapDays.toFixed(2)} days later`,
    evidence: [
      membershipSamples(q, { before: restart })
        .filter((r) => r.ok)
        .at(-1)!,
      lost,
      `CA notAfter ${caNotAfter}, as node1 reported it`,
    ],
  };
}
