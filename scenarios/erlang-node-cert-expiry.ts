import { erlang, erlangCluster } from '../src/workload/erlang/index.js';
import { fullMeshBefore, nodesLogAlert, staysAlone, stayFullyConnected, windowAfter } from '../src/scenario/checks.js';
import { defineScenario } from '../src/scenario/types.js';

const NODES = ['node1', 'node2', 'node3'];
const EXPIRING = 'node3';
const VALID = NODES.filter((n) => n !== EXPIRING);

export default defineScenario({
  name: 'erlang-node-cert-expiry',
  summary: "One node's certificate expires while the CA and the others' are valid; that node restarts.",
  workload: erlang,
  description: `Three TLS-distribution nodes under a one-year CA; ${EXPIRING}'s certificate is valid 10 days, the others' 90. Every clock jumps +11 days while running, then ${EXPIRING} restarts.`,
  question: 'Did clustering break when a node certificate expired, or only at the next restart, and which side rejects whom?',

  setup: (reference) => ({
    cluster: erlangCluster({ reference, nodes: NODES, caValidFor: '1y', certValidFor: (node) => (node === EXPIRING ? '10d' : '90d') }),
  }),

  async run(s) {
    await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    const jump = await s.jumpClocks(s.nodes, '+11d');
    await s.observe(
      { minMs: 2_000, maxMs: 5_000, stableSamples: 4 },
      `${EXPIRING}'s certificate has expired on every clock: do its connections survive?`,
    );
    const restart = await s.restart(EXPIRING);
    await s.observe({ minMs: 3_000, maxMs: 8_000, stableSamples: 4 }, `can ${EXPIRING} reconnect, and in which direction do the dials fail?`);
    return { jump, restart };
  },

  expectations: [
    {
      id: 'mesh-before-jump',
      title: 'the full mesh forms before the clocks jump',
      basis: 'every certificate is valid at real time',
      check: (q, _, { jump }) => fullMeshBefore(q, NODES, jump),
    },
    {
      id: 'connections-survive',
      title: `the connections to ${EXPIRING} survive its certificate's expiry`,
      basis: 'TLS checks certificates during the handshake only; an established distribution connection is not re-verified',
      answer: {
        pass: `Not when it expired: the connections to ${EXPIRING} survived its certificate's expiry`,
        fail: `Already when it expired: connections to ${EXPIRING} broke`,
      },
      check: (q, _, { jump, restart }) =>
        stayFullyConnected(q, NODES, { window: windowAfter(q, jump, restart), label: 'after the jump, before the restart' }),
    },
    {
      id: 'restarted-alone',
      title: `${EXPIRING}, restarted with its expired certificate, stays alone`,
      basis: 'its peers verify its certificate at each new handshake (RFC 5280 6.1.3)',
      answer: {
        pass: `At the next restart: ${EXPIRING} stayed alone`,
        fail: `${EXPIRING}, restarted with its expired certificate, did not stay alone`,
      },
      check: (q, _, { restart }) => staysAlone(q, EXPIRING, { others: VALID, window: windowAfter(q, restart), label: 'after the restart' }),
    },
    {
      id: 'others-stay-together',
      title: `${VALID.join(' and ')} stay connected to each other throughout`,
      basis: 'their own certificates and the CA are valid',
      answer: { pass: 'The others stayed together', fail: 'The others did not stay together' },
      check: (q, _, { restart }) => stayFullyConnected(q, VALID, { window: windowAfter(q, restart), label: 'after the restart' }),
    },
    {
      id: 'rejected-as-server',
      title: `when the others dial ${EXPIRING}, they reject its server certificate: ${EXPIRING} logs "received CLIENT ALERT: Fatal - Certificate Expired"`,
      basis: "the client verifies the server's certificate and sends certificate_expired (RFC 8446 6.2)",
      answer: {
        pass: 'Dialled, its server certificate was rejected: it received CLIENT ALERT Certificate Expired',
        fail: 'Dialled, it did not receive CLIENT ALERT Certificate Expired',
      },
      check: (q, _, { restart }) =>
        nodesLogAlert(q, [EXPIRING], {
          window: windowAfter(q, restart),
          text: 'received CLIENT ALERT: Fatal - Certificate Expired',
          label: 'after the restart',
        }),
    },
    {
      id: 'rejected-as-client',
      title: `when ${EXPIRING} dials the others, they reject its client certificate: ${EXPIRING} logs "received SERVER ALERT: Fatal - Certificate Expired"`,
      basis: "with verify_peer and fail_if_no_peer_cert the server verifies the client's certificate and sends certificate_expired",
      answer: {
        pass: 'Dialling, its client certificate was rejected: it received SERVER ALERT Certificate Expired',
        fail: 'Dialling, it did not receive SERVER ALERT Certificate Expired',
      },
      check: (q, _, { restart }) =>
        nodesLogAlert(q, [EXPIRING], {
          window: windowAfter(q, restart),
          text: 'received SERVER ALERT: Fatal - Certificate Expired',
          label: 'after the restart',
        }),
    },
  ],
});
