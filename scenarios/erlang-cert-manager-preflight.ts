import type { TimelineQuery } from '../src/observe/query.js';
import type { CertificateRequestRecord } from '../src/observe/records.js';
import { nodesLogAlert, staysAlone } from '../src/scenario/checks.js';
import { defineScenario, type ExpectationResult } from '../src/scenario/types.js';
import { allOf, unknown, verdictOf } from '../src/scenario/verdict.js';
import { erlang, erlangClusterOnCertManager } from '../src/workload/erlang/index.js';
import { membershipSamples } from '../src/workload/membership-view.js';

const NODES = ['node1', 'node2', 'node3'];
const CHECKED = 'node3';
const SILENT = NODES.filter((n) => n !== CHECKED);

export default defineScenario({
  name: 'erlang-cert-manager-preflight',
  summary: "The pre-flight check behind erlclu-init: cert-manager's fresh certificate from an expired CA, refused before the node starts.",
  workload: erlang,
  platforms: ['kind', 'kubernetes'],
  description: `The incident's morning on the real issuance path (cert-manager v1.10.2, a CA Issuer on a 30-day CA made 36 days ago), with erlang-preflight's check as a second init container behind erlclu-init: every pod requesting a brand-new certificate at start. ${CHECKED}'s pod has erlang-preflight's check as a second init container behind erlclu-init, reading that certificate and its CA before the node starts; ${SILENT.join(' and ')} start without it.`,
  question: 'Can we fail pod startup if our certificate (or the CA) has expired, when cert-manager has just issued a fresh certificate from it?',

  setup: (reference) => {
    const cluster = erlangClusterOnCertManager({ reference, nodes: NODES, caFrom: '-36d', caValidFor: '30d' });
    // The check on one pod, refusing what has expired (no margin).
    return {
      cluster: { ...cluster, nodes: cluster.nodes.map((n) => (n.name === CHECKED ? { ...n, preflightMarginSeconds: 0 } : n)) },
      ca: cluster.ca,
    };
  },

  async run(s) {
    await s.observe(
      { minMs: 4_000, maxMs: 10_000, stableSamples: 4 },
      `every pod got a fresh certificate from the expired CA: does the check let ${CHECKED} start, and what do the others do without it?`,
    );
  },

  expectations: [
    {
      id: 'refused',
      title: `${CHECKED}'s pod does not start: the check refuses in one line naming the CA's expiry, its fresh certificate notwithstanding`,
      basis: "the check compares the CA's notAfter with the node's clock before the node starts; cert-manager's leaf is new, its CA is not",
      answer: {
        pass: `Yes: ${CHECKED}'s pod refused to start, saying the CA had expired, though cert-manager had just issued it a fresh certificate`,
        fail: `No: ${CHECKED}'s pod was not refused loudly`,
      },
      check: (q: TimelineQuery) => refused(q, CHECKED),
    },
    ...SILENT.map((node) => ({
      id: `${node}-silent`,
      title: `without the check, ${node} starts on its fresh certificate and runs alone: nothing at start says why`,
      basis: 'incident: the restarted pods ran but no longer clustered',
      answer: { pass: `without it ${node} started and silently ran alone`, fail: `without the check ${node} did not run silently alone` },
      check: (q: TimelineQuery): ExpectationResult => {
        const alone = staysAlone(q, node, { others: SILENT.filter((n) => n !== node), window: {}, label: 'from its start' });
        const preflight = q.logs({ node, topic: 'preflight' });
        return {
          verdict: allOf(alone.verdict, verdictOf(preflight.length === 0)),
          observed: `${alone.observed}; ${preflight.length === 0 ? 'no pre-flight line' : 'a pre-flight line was logged'}`,
          evidence: alone.evidence,
        };
      },
    })),
    {
      id: 'silent-ones-log-expired',
      title: `what ${SILENT.join(' and ')} say instead is in their logs only: "Fatal - Certificate Expired"`,
      basis: "incident: the only sign was the TLS alert in the nodes' logs",
      answer: { pass: 'their only sign is the "Certificate Expired" alert in their logs', fail: 'they did not log "Certificate Expired"' },
      check: (q) => nodesLogAlert(q, SILENT, { window: {}, text: 'Fatal - Certificate Expired', label: 'during the run' }),
    },
  ],
});

/** The node's request was issued, its check then refused with a line naming the CA's expiry, and no probe ever found the node running. */
function refused(q: TimelineQuery, node: string): ExpectationResult {
  const issued = q.recordsIn('certificateRequest', {}).filter((r: CertificateRequestRecord) => r.node === node && r.notAfter);
  const line = q.logs({ node, topic: 'preflight' }).find((l) => l.text.includes('refusing to start'));
  const answered = membershipSamples(q, { node, ok: true });
  const down = membershipSamples(q, { node, ok: false }).filter((s) => !s.noAnswer);
  if (issued.length === 0) return unknown(`no certificate was issued to ${node}: the check had nothing fresh to judge`);
  const loud = !!line && line.text.includes('CA CN=erlclu-ca') && line.text.includes('expired at') && answered.length === 0;
  return {
    // Probes that got no answer cannot show the node down: with too few that did, the run cannot tell.
    verdict: !loud ? 'fail' : down.length >= 2 ? 'pass' : 'unknown',
    observed: `cert-manager issued ${issued[0]!.name} (valid to ${issued[0]!.notAfter}); ${line ? `the check said: ${line.text}` : 'no refusal line'}; ${answered.length} answered probe(s), ${down.length} showing it not running`,
    evidence: [issued[0]!, ...(line ? [line] : []), ...down.slice(0, 1), ...answered.slice(0, 1)],
  };
}
