import type { StepHandle } from '../src/observe/query.js';
import { forgeCa, type Forged } from '../src/pki/certificate.js';
import { smallestMembership } from '../src/scenario/checks.js';
import { defineScenario, type ExpectationResult, type ScenarioContext } from '../src/scenario/types.js';
import { erlang, nodeCert, type ErlangRestart } from '../src/workload/erlang/index.js';
import { verdictOf } from '../src/scenario/verdict.js';

const NODES = ['node1', 'node2', 'node3'];
const ROLL_WAIT_MS = 4_000;

interface Pki {
  ca: Forged;
  certs: Record<string, Forged>;
}

function issue(name: 'ca1' | 'ca2' | 'ca3', reference: Date): Pki {
  const ca = forgeCa(`cluster-${name}`, { validFor: '1y' }, reference);
  return { ca, certs: Object.fromEntries(NODES.map((n) => [n, { ...nodeCert(n, ca, reference), name: `${n} (${name})` }])) };
}

/** Restarts the nodes one at a time, each with its changes, waiting for the full mesh after each; the handle of its first restart. */
async function rollingRestart(s: ScenarioContext<typeof erlang>, phase: string, changes: (node: string) => ErlangRestart): Promise<StepHandle> {
  const restarts: StepHandle[] = [];
  for (const node of NODES) {
    restarts.push(await s.restart(node, { id: `${phase}-${node}`, ...changes(node) }));
    await s.waitFor(`${phase}-${node}-mesh`, `wait for the full mesh after ${node}`, (view) => view.fullMesh(), { timeoutMs: ROLL_WAIT_MS });
  }
  return restarts[0]!;
}

export default defineScenario({
  name: 'erlang-ca-rotation',
  summary: "Rolling a running cluster's CA: naive against overlapping trust, and the smallest membership of each.",
  workload: erlang,
  description:
    'Two ways to roll the CA of a running three-node cluster. Naive: new CA and node certificates in one rolling restart. Overlap: trust both CAs (rolling restart), then new node certificates (rolling restart), then drop the old CA (rolling restart). The report gives the smallest membership seen during each.',
  question: 'How can the CA be rolled without downtime?',

  setup: (reference) => {
    const pki = { ca1: issue('ca1', reference), ca2: issue('ca2', reference), ca3: issue('ca3', reference) };
    return { cluster: { nodes: NODES.map((name) => ({ name, cert: pki.ca1.certs[name]!, trusts: pki.ca1.ca, clock: '+0' })) }, pki };
  },

  async run(s, { pki }) {
    await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    // Naive: CA1 → CA2 in one go.
    const naive = await rollingRestart(s, 'naive', (node) => ({ cert: pki.ca2.certs[node]!, trusts: pki.ca2.ca }));
    const naiveDone = await s.waitFor('naive-done', 'wait for the full mesh after the naive rotation', (view) => view.fullMesh(), {
      timeoutMs: 15_000,
    });
    // Overlap: CA2 → CA3 in three rolling restarts.
    const overlap = await rollingRestart(s, 'overlap-trust-both', () => ({ trusts: [pki.ca2.ca, pki.ca3.ca] }));
    await rollingRestart(s, 'overlap-new-certs', (node) => ({ cert: pki.ca3.certs[node]! }));
    await rollingRestart(s, 'overlap-drop-old', () => ({ trusts: pki.ca3.ca }));
    const overlapDone = await s.waitFor('overlap-done', 'wait for the full mesh after the overlap rotation', (view) => view.fullMesh(), {
      timeoutMs: 15_000,
    });
    return { naive, naiveDone, overlap, overlapDone };
  },

  expectations: [
    {
      id: 'naive-splits',
      title: 'naive: replacing CA and certificates together splits the cluster: membership drops below what one restart costs (2 of 3)',
      basis: "a node on the new CA and a node on the old one each reject the other's chain (unknown CA)",
      answer: {
        pass: 'Replacing CA and certificates in one rolling restart split the cluster',
        fail: 'Replacing CA and certificates in one rolling restart did not split the cluster',
      },
      check: (q, _, { naive, naiveDone }) => smallestMembership(q, NODES, { from: naive, to: naiveDone, holds: (min) => min < NODES.length - 1 }),
    },
    {
      id: 'overlap-never-below-one-restart',
      title: 'overlap: membership never drops below what a single rolling restart costs (2 of 3)',
      basis: "at every moment each pair of running nodes trusts the CA of the other's certificate",
      answer: {
        pass: 'Trust both CAs first, then re-issue the node certificates, then drop the old CA, each in a rolling restart: membership never dropped below what one restart costs',
        fail: 'The overlap procedure lost more than one node at once',
      },
      check: (q, _, { overlap, overlapDone }) =>
        smallestMembership(q, NODES, { from: overlap, to: overlapDone, holds: (min) => min >= NODES.length - 1 }),
    },
    {
      id: 'both-end-whole',
      title: 'both procedures end with the full mesh',
      basis: 'after either, every node holds a certificate from, and trusts, the same CA',
      answer: { pass: 'Both ended with the full mesh', fail: 'Not both ended with the full mesh' },
      check: (q, _, { naiveDone, overlapDone }): ExpectationResult => {
        const steps = [q.step(naiveDone), q.step(overlapDone)];
        return {
          verdict: verdictOf(steps.every((st) => st.outcome === 'met')),
          observed: steps.map((st) => `${st.id}: ${st.outcome}`).join(', '),
          evidence: steps,
        };
      },
    },
  ],
});
