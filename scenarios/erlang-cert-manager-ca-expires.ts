import type { StepHandle, TimelineQuery } from '../src/observe/query.js';
import type { CertificateRequestRecord } from '../src/observe/records.js';
import { fullMeshBefore, nodesLogAlert, staysAlone, stayFullyConnected, windowAfter } from '../src/scenario/checks.js';
import { defineScenario, type ExpectationResult } from '../src/scenario/types.js';
import { fail, pass, unknown } from '../src/scenario/verdict.js';
import { erlang, erlangClusterOnCertManager } from '../src/workload/erlang/index.js';

const NODES = ['node1', 'node2', 'node3'];
const RESTARTED = 'node3';
const DIALED = NODES.filter((n) => n !== RESTARTED);
/** How long the CA has left when the run starts: long enough for cert-manager to issue every pod's first certificate and the mesh to form. */
const CA_LEFT_S = 35;

export default defineScenario({
  name: 'erlang-cert-manager-ca-expires',
  summary:
    "On the real issuance path, the CA expires under a running mesh (real time): the connected nodes stay, a restarted pod's fresh certificate fails at once.",
  workload: erlang,
  platforms: ['kind', 'kubernetes'],
  description: `The real cert-manager (v1.10.2) issues every pod's certificate from a CA Issuer whose 30-day CA has ${CA_LEFT_S} s left, by real time: no clock is moved. The mesh forms; the CA expires; then ${RESTARTED}'s pod restarts and its erlclu-init requests a fresh certificate from the now expired CA.`,
  question: 'Did clustering break when the CA expired, or only at the next restart, when cert-manager issued from the expired CA?',

  setup: (reference) => {
    const cluster = erlangClusterOnCertManager({ reference, nodes: NODES, caFrom: '-30d', caValidFor: `${30 * 86_400 + CA_LEFT_S}s` });
    return { cluster, ca: cluster.ca };
  },

  async run(s, { ca }) {
    await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    // A little past the CA's notAfter: whole seconds in the certificate, and a handshake's own check at its instant.
    const expired = await s.observeUntil(
      new Date(ca.info.notAfter.getTime() + 2_000),
      'ca-expired',
      `the CA's notAfter (${ca.info.notAfter.toISOString()}) has passed`,
    );
    await s.observe({ minMs: 2_000, maxMs: 6_000, stableSamples: 4 }, 'the CA has expired, by real time: do the connected nodes stay connected?');
    const restart = await s.restart(RESTARTED);
    await s.observe(
      { minMs: 2_000, maxMs: 10_000, stableSamples: 4 },
      `can ${RESTARTED}, its certificate freshly issued from the expired CA, rejoin?`,
    );
    return { expired, restart };
  },

  expectations: [
    {
      id: 'mesh-before-expiry',
      title: 'the full mesh forms on the certificates cert-manager issued while the CA was valid',
      basis: 'every certificate and the CA are valid at real time; TLS distribution with verify_peer accepts them',
      check: (q, _, { expired }) => fullMeshBefore(q, NODES, expired),
    },
    {
      id: 'connected-stay-connected',
      title: 'the connected nodes stay connected after the CA expires',
      basis: 'incident: clustering broke only after the pods restarted; TLS checks certificates at the handshake only',
      answer: {
        pass: 'Not when the CA expired: the connected nodes stayed connected',
        fail: 'Already when the CA expired: connected nodes lost each other',
      },
      check: (q, _, { expired, restart }) =>
        stayFullyConnected(q, NODES, { window: windowAfter(q, expired, restart), label: 'after the expiry, before the restart' }),
    },
    {
      id: 'fresh-certificate-from-expired-ca',
      title: `${RESTARTED}'s restart gets a fresh certificate, signed by the CA that has just expired`,
      basis: "cert-manager's CA issuer signs with an expired CA, its leaf not cut to the CA's NotAfter, the Issuer still Ready",
      answer: {
        pass: 'cert-manager issued it a fresh certificate from the expired CA',
        fail: 'cert-manager did not issue it a certificate from the expired CA',
      },
      check: (q, _, { restart }) => freshFromExpired(q, restart),
    },
    {
      id: 'restarted-stays-alone',
      title: `${RESTARTED}, restarted after the CA expired, stays alone at once`,
      basis: 'incident: restarted pods no longer clustered; a chain whose CA has expired fails verification (RFC 5280 6.1.3)',
      answer: {
        pass: `At the next restart: ${RESTARTED}, restarted, stayed alone`,
        fail: `${RESTARTED}, restarted after the expiry, did not stay alone`,
      },
      check: (q, _, { restart }) => staysAlone(q, RESTARTED, { others: DIALED, window: windowAfter(q, restart), label: 'after the restart' }),
    },
    {
      id: 'dialed-nodes-log-expired',
      title: `the nodes ${RESTARTED} dials log "received CLIENT ALERT: Fatal - Certificate Expired"`,
      basis: 'incident: the server side logged "TLS server: In state certify received CLIENT ALERT: Fatal - Certificate Expired"',
      answer: {
        pass: 'the nodes it dialled logged the incident\'s "Certificate Expired" alert',
        fail: "the nodes it dialled did not log the incident's alert",
      },
      check: (q, _, { restart }) =>
        nodesLogAlert(q, DIALED, {
          window: windowAfter(q, restart),
          text: 'received CLIENT ALERT: Fatal - Certificate Expired',
          label: 'after the restart',
        }),
    },
  ],
});

function freshFromExpired(q: TimelineQuery, restarted: StepHandle): ExpectationResult {
  const restart = q.step(restarted);
  const requests = q.recordsIn('certificateRequest', {}).filter((r: CertificateRequestRecord) => r.node === RESTARTED);
  const fresh = requests.find((r) => Date.parse(r.created) >= Date.parse(restart.startedAt) - 1000);
  if (!fresh) return unknown(`no CertificateRequest of ${RESTARTED}'s was recorded after its restart`, requests);
  if (!fresh.notAfter || !fresh.signingCaNotAfter)
    return fail(`${RESTARTED}'s request ${fresh.name} was not issued: ${fresh.state}${fresh.message ? ` (${fresh.message})` : ''}`, [fresh]);
  const expiredBy = (Date.parse(fresh.created) - Date.parse(fresh.signingCaNotAfter)) / 1000;
  const days = (Date.parse(fresh.notAfter) - Date.parse(fresh.notBefore!)) / 86_400_000;
  const said = `${fresh.name}: ${fresh.state}, valid ${fresh.notBefore} to ${fresh.notAfter} (${days.toFixed(1)} days), signed by ${fresh.signingCa}, which had expired ${expiredBy.toFixed(0)} s before the request; Issuer Ready ${fresh.issuerReady ?? 'unknown'}`;
  return expiredBy > 0 && Date.parse(fresh.notAfter) > Date.parse(fresh.signingCaNotAfter) ? pass(said, [fresh]) : fail(said, [fresh]);
}
