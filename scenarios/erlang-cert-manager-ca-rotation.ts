import type { StepHandle, TimelineQuery } from '../src/observe/query.js';
import type { CertificateRequestRecord } from '../src/observe/records.js';
import { forgeCa, type Forged } from '../src/pki/certificate.js';
import { smallestMembership } from '../src/scenario/checks.js';
import { defineScenario, type ExpectationResult, type ScenarioContext } from '../src/scenario/types.js';
import { verdictOf } from '../src/scenario/verdict.js';
import { erlang, type ErlangRestart } from '../src/workload/erlang/index.js';

const NODES = ['node1', 'node2', 'node3'];
const ROLL_WAIT_MS = 10_000;

/** Restarts the pods one at a time, each with its changes, waiting for the full mesh after each: a rolling restart. Its first restart's handle. */
async function rollingRestart(s: ScenarioContext<typeof erlang>, phase: string, changes: ErlangRestart = {}): Promise<StepHandle> {
  const restarts: StepHandle[] = [];
  for (const node of NODES) {
    restarts.push(await s.restart(node, { id: `${phase}-${node}`, ...changes }));
    await s.waitFor(`${phase}-${node}-mesh`, `wait for the full mesh after ${node}`, (view) => view.fullMesh(), { timeoutMs: ROLL_WAIT_MS });
  }
  return restarts[0]!;
}

export default defineScenario({
  name: 'erlang-cert-manager-ca-rotation',
  summary: "Rolling the CA on the real issuance path (cert-manager's Issuer, a trust bundle the pods read): naive against overlapping trust.",
  workload: erlang,
  platforms: ['kind', 'kubernetes'],
  description:
    "The cluster issued by the real cert-manager (v1.10.2), each pod requesting its certificate at start and trusting the CAs of a trust bundle its pod mounts (a ConfigMap, as trust-manager would keep it). Naive: the Issuer switched to a new CA and every pod rolled onto a bundle of that CA alone. Overlap, to a third CA: the new CA added to every pod's bundle first (rolling restart), then the Issuer switched and every pod rolled to request again, then the old CA dropped from the bundles (rolling restart). The report gives the smallest membership seen during each.",
  question: 'How can the CA be rolled without downtime, when cert-manager issues the certificates?',

  setup: (reference) => {
    const ca = (name: string) => forgeCa(`erlclu-${name}`, { validFor: '1y', commonName: `erlclu-${name}` }, reference);
    const [ca1, ca2, ca3] = [ca('ca1'), ca('ca2'), ca('ca3')] as [Forged, Forged, Forged];
    return {
      cluster: { issuer: { ca: ca1, trustBundle: true }, nodes: NODES.map((name) => ({ name, trusts: ca1, clock: '+0' })) },
      ca1,
      ca2,
      ca3,
    };
  },

  async run(s, { ca2, ca3 }) {
    await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    // Naive: CA1 → CA2 in one go.
    const naiveSwitch = await s.switchIssuer(ca2, { id: 'naive-switch' });
    await rollingRestart(s, 'naive', { trusts: ca2 });
    const naiveDone = await s.waitFor('naive-done', 'wait for the full mesh after the naive roll', (view) => view.fullMesh(), { timeoutMs: 20_000 });
    // Overlap: CA2 → CA3, trust first, then issue, then drop.
    const overlap = await rollingRestart(s, 'overlap-trust-both', { trusts: [ca2, ca3] });
    const overlapSwitch = await s.switchIssuer(ca3, { id: 'overlap-switch' });
    await rollingRestart(s, 'overlap-new-certs');
    await rollingRestart(s, 'overlap-drop-old', { trusts: ca3 });
    const overlapDone = await s.waitFor('overlap-done', 'wait for the full mesh after the overlap roll', (view) => view.fullMesh(), {
      timeoutMs: 20_000,
    });
    return { naiveSwitch, naiveDone, overlap, overlapSwitch, overlapDone };
  },

  expectations: [
    {
      id: 'naive-splits',
      title: 'naive: switching the Issuer and the bundle together splits the cluster: membership drops below what one restart costs (2 of 3)',
      basis: "a pod on the new CA and a pod on the old one each reject the other's chain (unknown CA)",
      answer: {
        pass: 'Switching the Issuer and the trust bundle together in one rolling restart split the cluster',
        fail: 'Switching the Issuer and the trust bundle together did not split the cluster',
      },
      check: (q, _, { naiveSwitch, naiveDone }) =>
        smallestMembership(q, NODES, { from: naiveSwitch, to: naiveDone, holds: (min) => min < NODES.length - 1 }),
    },
    {
      id: 'overlap-never-below-one-restart',
      title: 'overlap: membership never drops below what a single rolling restart costs (2 of 3)',
      basis: "at every moment each pair of running pods trusts the CA of the other's certificate",
      answer: {
        pass: 'New CA into the trust bundle first, then the Issuer switched and every pod re-requested, then the old CA dropped, each a rolling restart: membership never dropped below what one restart costs',
        fail: 'The overlap procedure lost more than one pod at once',
      },
      check: (q, _, { overlap, overlapDone }) =>
        smallestMembership(q, NODES, { from: overlap, to: overlapDone, holds: (min) => min >= NODES.length - 1 }),
    },
    {
      id: 'issued-by-the-switched-ca',
      title: 'every request after a switch is signed by the CA the Issuer was switched to',
      basis: "cert-manager's CA issuer signs with the key pair its Secret holds when it signs",
      answer: {
        pass: 'cert-manager signed each request with the CA it had just been switched to',
        fail: 'not every request was signed by the switched-to CA',
      },
      check: (q, _, steps) => signedByCurrentCa(q, steps),
    },
    {
      id: 'both-end-whole',
      title: 'both procedures end with the full mesh',
      basis: 'after either, every pod holds a certificate from, and trusts, the same CA',
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

/** Requests made in each phase after a switch name the switched-to CA as their signer. */
function signedByCurrentCa(
  q: TimelineQuery,
  steps: { naiveSwitch: StepHandle; overlapSwitch: StepHandle; overlapDone: StepHandle },
): ExpectationResult {
  const phases = [
    { from: steps.naiveSwitch, to: steps.overlapSwitch, ca: 'erlclu-ca2' },
    { from: steps.overlapSwitch, to: steps.overlapDone, ca: 'erlclu-ca3' },
  ];
  const wrong: CertificateRequestRecord[] = [];
  let counted = 0;
  for (const phase of phases) {
    const requests = q.recordsIn('certificateRequest', { after: q.step(phase.from).t, before: q.step(phase.to).startedAt });
    counted += requests.length;
    wrong.push(...requests.filter((r) => !r.signedBy?.includes(`CN=${phase.ca}`)));
  }
  return {
    verdict: verdictOf(counted >= 2 * NODES.length && wrong.length === 0),
    observed:
      wrong.length > 0
        ? `${wrong.map((r) => `${r.node}'s ${r.name} signed by ${r.signedBy ?? 'nobody'}`).join('; ')}`
        : `${counted} requests after the switches, each signed by the CA switched to (erlclu-ca2, then erlclu-ca3)`,
    evidence: wrong.length ? wrong : q.recordsIn('certificateRequest', { after: q.step(steps.overlapSwitch).t }).slice(0, 3),
  };
}
