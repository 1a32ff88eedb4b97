import { erlang, erlangCluster } from '../src/workload/erlang/index.js';
import { fullMeshBefore, nodesLogAlert, staysAlone, stayFullyConnected, windowAfter } from '../src/scenario/checks.js';
import { defineScenario } from '../src/scenario/types.js';

const NODES = ['node1', 'node2', 'node3'];
const RESTARTED = 'node3';
const DIALED = NODES.filter((n) => n !== RESTARTED);

/**
 * The Erlang incident: a 30-day CA under 90-day node certificates. Does the
 * cluster break when the CA expires, or only when a node restarts?
 */
export default defineScenario({
  name: 'erlang-ca-expiry',
  summary: 'The Erlang incident: a 30-day CA expires under a running mesh (+31 days), then one node restarts.',
  workload: erlang,
  description: 'Three TLS-distribution nodes, 30-day CA, 90-day node certs; every clock jumps +31 days while running, then one node restarts.',
  question: 'Did clustering break when the CA expired, or only at the next restart?',

  // The incident's lifetimes: a 30-day CA under 90-day node certificates.
  setup: (reference) => ({ cluster: erlangCluster({ reference, nodes: NODES, caValidFor: '30d', certValidFor: '90d' }) }),

  async run(s) {
    await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    const jump = await s.jumpClocks(s.nodes, '+31d');
    await s.observe(
      { minMs: 2_000, maxMs: 6_000, stableSamples: 4 },
      'the CA has now expired on every clock: do the connected nodes stay connected?',
    );
    const restart = await s.restart(RESTARTED);
    await s.observe({ minMs: 2_000, maxMs: 10_000, stableSamples: 4 }, `can ${RESTARTED}, restarted after the CA expired, rejoin?`);
    return { jump, restart };
  },

  expectations: [
    {
      id: 'mesh-before-jump',
      title: 'the full mesh forms before the clocks jump',
      basis: 'all certificates are valid at real time; TLS distribution with verify_peer accepts them',
      check: (q, _, { jump }) => fullMeshBefore(q, NODES, jump),
    },
    {
      id: 'connected-stay-connected',
      title: 'the connected nodes stay connected after the CA expires',
      basis:
        'incident: clustering broke only after the pods restarted; TLS checks certificates at the handshake only, not on an established connection',
      answer: {
        pass: 'Not when the CA expired: the connected nodes stayed connected',
        fail: 'Already when the CA expired: connected nodes lost each other',
      },
      check: (q, _, { jump, restart }) =>
        stayFullyConnected(q, NODES, { window: windowAfter(q, jump, restart), label: 'after the jump, before the restart' }),
    },
    {
      id: 'restarted-stays-alone',
      title: `${RESTARTED}, restarted after the CA expired, stays alone`,
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
        pass: 'The nodes it dialled logged the incident\'s "Certificate Expired" alert',
        fail: "The nodes it dialled did not log the incident's alert",
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
