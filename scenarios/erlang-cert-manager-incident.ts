import { CERT_MANAGER_DEFAULT_DURATION_MS } from '../src/inventory/types.js';
import type { StepHandle, TimelineQuery, Window } from '../src/observe/query.js';
import type { CertificateRequestRecord } from '../src/observe/records.js';
import { nodesLogAlert, staysAlone, windowAfter } from '../src/scenario/checks.js';
import { defineScenario, type ExpectationResult } from '../src/scenario/types.js';
import { fail, unknown, verdictOf } from '../src/scenario/verdict.js';
import { erlang, erlangClusterOnCertManager } from '../src/workload/erlang/index.js';

const NODES = ['node1', 'node2', 'node3'];
const DAY_MS = 86_400_000;
/** cert-manager's default duration, which a CertificateRequest with none gets. */

export default defineScenario({
  name: 'erlang-cert-manager-incident',
  summary:
    'The incident on its real issuance path: cert-manager gives every restarted pod a brand-new certificate from a CA that expired six days ago.',
  workload: erlang,
  platforms: ['kind', 'kubernetes'],
  description:
    "The Erlang incident's morning, issued as erlclu issued it: the real cert-manager (v1.10.2) with a CA Issuer on the Secret erlclu-ca-key-pair, holding a 30-day CA made 36 days ago; every pod starts with erlclu-init in front of it (a P-256 key and CSR by openssl, a CertificateRequest with no duration, its answer written to the node's certificate folder). Then every pod restarts once more, and requests again.",
  question:
    'The pods were restarted this morning, so they should have been provisioned with brand-new certificates: were they, and why does the cluster still not form?',

  setup: (reference) => {
    // erlclu's CA, made by hand 36 days ago with openssl's default 30 days.
    const cluster = erlangClusterOnCertManager({ reference, nodes: NODES, caFrom: '-36d', caValidFor: '30d' });
    return { cluster, ca: cluster.ca };
  },

  async run(s) {
    await s.observe(
      { minMs: 4_000, maxMs: 12_000, stableSamples: 4 },
      'every pod started with a certificate cert-manager has just issued: does the cluster form?',
    );
    // This morning: every pod at once.
    const restarts = await Promise.all(s.nodes.map((node) => s.restart(node)));
    await s.observe(
      { minMs: 3_000, maxMs: 10_000, stableSamples: 4 },
      'every pod restarted and requested again: does a second fresh certificate help?',
    );
    return { restarts: new Map(s.nodes.map((node, i) => [node, restarts[i]!])) };
  },

  expectations: [
    {
      id: 'fresh-certificates',
      title: "every pod start got a brand-new certificate: issued at the request, for 90 days (cert-manager's default), not cut to the CA's end",
      basis:
        'incident: "they should have been provisioned with brand-new certificates"; cert-manager\'s CA issuer sets NotAfter = now + duration with no clamp to the CA\'s NotAfter (pkg/issuer/ca, pkg/util/pki)',
      answer: {
        pass: 'Yes: cert-manager issued every pod a brand-new 90-day certificate at each start',
        fail: 'Not every pod start got a brand-new 90-day certificate',
      },
      check: (q) => freshCertificates(q),
    },
    {
      id: 'signed-by-expired-ca',
      title: 'each of those certificates was signed by the CA that had expired six days before the request',
      basis: "incident: the CA expired six days before the restart; cert-manager's CA issuer does not look at the CA's expiry when it signs",
      answer: { pass: 'signed by the CA that had expired six days before', fail: 'not (all) signed by an expired CA' },
      check: (q) => signedByExpiredCa(q),
    },
    {
      id: 'issuer-ready',
      title: 'the Issuer said Ready throughout, its CA expired',
      basis: 'cert-manager: the CA issuer\'s Ready condition ("Signing CA verified") checks that the Secret holds a CA key pair, not its validity',
      answer: { pass: 'while the Issuer still said Ready', fail: 'and the Issuer did not say Ready' },
      check: (q) => issuerReady(q),
    },
    ...NODES.map((node) => ({
      id: `${node}-alone`,
      title: `${node} stays alone after its restart, its fresh certificate notwithstanding`,
      basis:
        'incident: the restarted pods no longer clustered; a chain through an expired CA fails verification (RFC 5280 6.1.3) however new the leaf',
      answer: { pass: `${node} stayed alone`, fail: `${node} did not stay alone` },
      check: (q: TimelineQuery, _: unknown, { restarts }: Steps) =>
        staysAlone(q, node, { others: NODES.filter((n) => n !== node), window: windowAfter(q, restarts.get(node)!), label: 'after its restart' }),
    })),
    {
      id: 'certificate-expired-alert',
      title: 'the nodes log "Fatal - Certificate Expired", the incident\'s line',
      basis: 'incident: the logs said "TLS client: In state certify at ssl_handshake.erl:2111 generated CLIENT ALERT: Fatal - Certificate Expired"',
      answer: { pass: 'the nodes logged the incident\'s "Fatal - Certificate Expired"', fail: 'the nodes did not log "Fatal - Certificate Expired"' },
      check: (q, _, { restarts }) =>
        nodesLogAlert(q, NODES, { text: 'Fatal - Certificate Expired', window: windowAfter(q, restarts.get('node1')!), label: 'after the restarts' }),
    },
  ],
});

/** The steps its checks read, as its run returns them. */
interface Steps {
  restarts: Map<string, StepHandle>;
}

function requests(q: TimelineQuery, window: Window = {}): CertificateRequestRecord[] {
  return q.recordsIn('certificateRequest', window);
}

/** Each node's requests: one per start (the first, and the restart's). */
function perStart(q: TimelineQuery): { missing: string[]; all: CertificateRequestRecord[] } {
  const all = requests(q);
  const missing = NODES.filter((node) => all.filter((r) => r.node === node).length < 2).map(
    (node) => `${node} made ${all.filter((r) => r.node === node).length} request(s) in 2 starts`,
  );
  return { missing, all };
}

function freshCertificates(q: TimelineQuery): ExpectationResult {
  const { missing, all } = perStart(q);
  if (all.length === 0) return unknown('no CertificateRequest was recorded');
  const bad = all.flatMap((r) => {
    if (!r.notBefore || !r.notAfter) return [`${r.node}'s ${r.name} was not issued (${r.state}${r.message ? `: ${r.message}` : ''})`];
    const fromRequest = Math.abs(Date.parse(r.notBefore) - Date.parse(r.created));
    const lifetime = Date.parse(r.notAfter) - Date.parse(r.notBefore);
    const problems = [];
    if (fromRequest > 5 * 60_000) problems.push(`${r.node}'s certificate begins ${(fromRequest / 1000).toFixed(0)} s from its request`);
    if (Math.abs(lifetime - CERT_MANAGER_DEFAULT_DURATION_MS) > 3_600_000)
      problems.push(`${r.node}'s certificate lives ${(lifetime / DAY_MS).toFixed(1)} days`);
    return problems;
  });
  const lifetimes = all.filter((r) => r.notAfter).map((r) => ((Date.parse(r.notAfter!) - Date.parse(r.notBefore!)) / DAY_MS).toFixed(1));
  return {
    verdict: verdictOf(missing.length === 0 && bad.length === 0),
    observed:
      missing.length + bad.length > 0
        ? [...missing, ...bad].join('; ')
        : `${all.length} requests (${NODES.length} nodes × 2 starts), each issued at its request, each certificate ${[...new Set(lifetimes)].join(', ')} days long`,
    evidence: all,
  };
}

function signedByExpiredCa(q: TimelineQuery): ExpectationResult {
  const issued = requests(q).filter((r) => r.notAfter);
  if (issued.length === 0) return unknown('no certificate was issued');
  const notExpired = issued.filter((r) => !r.signingCaNotAfter || Date.parse(r.signingCaNotAfter) >= Date.parse(r.created));
  const daysAgo = issued.map((r) => ((Date.parse(r.created) - Date.parse(r.signingCaNotAfter ?? r.created)) / DAY_MS).toFixed(1));
  if (notExpired.length > 0)
    return fail(`${notExpired.map((r) => `${r.node}'s ${r.name}`).join(', ')}: its CA had not expired (or was not given)`, notExpired);
  return {
    verdict: 'pass',
    observed: `all ${issued.length} signed by ${issued[0]!.signingCa}, which had expired ${[...new Set(daysAgo)].join(', ')} days before each request; each leaf ends after its CA (${issued[0]!.notAfter} vs ${issued[0]!.signingCaNotAfter})`,
    evidence: issued,
  };
}

function issuerReady(q: TimelineQuery): ExpectationResult {
  const all = requests(q);
  if (all.length === 0) return unknown('no CertificateRequest was recorded');
  const unknownState = all.filter((r) => !r.issuerReady);
  if (unknownState.length === all.length) return unknown("no request recorded the Issuer's Ready condition");
  const notReady = all.filter((r) => r.issuerReady && !r.issuerReady.startsWith('True'));
  return {
    verdict: verdictOf(notReady.length === 0),
    observed:
      notReady.length === 0
        ? `Ready ${all[0]!.issuerReady} at each of the ${all.length} requests`
        : `not Ready at ${notReady.map((r) => `${r.node}'s ${r.name}: ${r.issuerReady}`).join('; ')}`,
    evidence: notReady.length ? notReady : all.slice(0, 1),
  };
}
