import type { TimelineQuery, Window } from '../../../observe/query.js';
import type { AlertRecord } from '../../../observe/records.js';
import { fullMeshBefore, staysAlone, stayFullyConnected, windowAfter } from '../../../scenario/checks.js';
import { defineScenario, type ExpectationResult } from '../../../scenario/types.js';
import { fail, pass } from '../../../scenario/verdict.js';
import { toy, toyCert, toyCluster } from '../index.js';

const NODES = ['node1', 'node2', 'node3'];
const RESTARTED = 'node3';
const OTHERS = NODES.filter((n) => n !== RESTARTED);

export default defineScenario({
  name: 'toy-cert-expiry',
  summary: 'The example workload (`src/workload/toy/`): nodes clustering over mutual TLS with `openssl s_server`.',
  workload: toy,
  description: `Three toy nodes (openssl s_server and s_client, mutual TLS) under one CA, every certificate valid. Once they form a full mesh, ${RESTARTED} restarts with a certificate that expired yesterday, from the same CA.`,
  question: 'Does a node whose certificate has expired drop out of a mutual-TLS cluster at its next restart?',

  setup: (reference) => {
    const cluster = toyCluster({ reference, nodes: NODES });
    // Valid for 29 days, a month ago: expired a day before the run began, on every clock.
    const expired = toyCert(RESTARTED, cluster.ca, reference, { from: '-30d', until: '-1d' }, `${RESTARTED}-expired`);
    return { cluster, expired };
  },

  async run(s, { expired }) {
    await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    const restart = await s.restart(RESTARTED, { cert: expired });
    await s.observe({ minMs: 3_000, maxMs: 8_000, stableSamples: 4 }, `does ${RESTARTED}, restarted with an expired certificate, rejoin?`);
    return { restart };
  },

  expectations: [
    {
      id: 'mesh-before-restart',
      title: 'the full mesh forms before the restart',
      basis: 'every certificate and the CA are valid at real time, each names its node, and each node trusts the CA',
      check: (q, _, { restart }) => fullMeshBefore(q, NODES, restart),
    },
    {
      id: 'restarted-alone',
      title: `${RESTARTED}, restarted with an expired certificate, stays alone`,
      basis: `each peer verifies ${RESTARTED}'s certificate at every new handshake, as client (its server certificate) and as server (its client certificate), and the current time is past its notAfter (RFC 5280 6.1.3 (a)(2))`,
      answer: {
        pass: `Yes: ${RESTARTED}, restarted with its expired certificate, stayed alone`,
        fail: `No: ${RESTARTED}, restarted with its expired certificate, did not stay alone`,
      },
      check: (q, _, { restart }) => staysAlone(q, RESTARTED, { others: OTHERS, window: windowAfter(q, restart), label: 'after the restart' }),
    },
    {
      id: 'others-stay-together',
      title: `${OTHERS.join(' and ')} stay connected to each other after the restart`,
      basis: 'their own certificates and the CA are valid: nothing in their handshakes with each other changed',
      answer: {
        pass: `${OTHERS.join(' and ')} stayed connected to each other`,
        fail: `${OTHERS.join(' and ')} did not stay connected to each other`,
      },
      check: (q, _, { restart }) => stayFullyConnected(q, OTHERS, { window: windowAfter(q, restart), label: 'after the restart' }),
    },
    {
      id: 'others-reject-expired',
      title: `${OTHERS.join(' and ')} each reject ${RESTARTED}'s certificate as expired (a TLS failure of class certificate-expired)`,
      basis:
        'certificate path validation fails on the validity period (RFC 5280 6.1.3 (a)(2)); the verifier says the certificate has expired and sends certificate_expired (RFC 8446 6.2)',
      answer: {
        pass: `${OTHERS.join(' and ')} rejected its certificate as expired`,
        fail: `${OTHERS.join(' and ')} did not both reject its certificate as expired`,
      },
      check: (q, _, { restart }) => eachRejectsAsExpired(q, OTHERS, RESTARTED, windowAfter(q, restart), 'after the restart'),
    },
  ],
});

/** Each judge logged, in the window, a TLS failure of class certificate-expired that it generated about `node`'s certificate. */
function eachRejectsAsExpired(q: TimelineQuery, judges: string[], node: string, window: Window, label: string): ExpectationResult {
  const evidence: (AlertRecord | string)[] = [];
  const missing: string[] = [];
  for (const judge of judges) {
    const all = q.alerts({ ...window, node: judge });
    const rejections = all.filter((a) => a.class === 'certificate-expired' && a.direction === 'generated' && a.text.includes(node));
    if (rejections.length > 0) {
      evidence.push(rejections[0]!, `${judge}: ${rejections.length} such rejection(s) ${label}`);
    } else {
      missing.push(judge);
      const classes = [...new Map(all.map((a) => [a.class, a])).values()];
      evidence.push(...(classes.length > 0 ? [`what ${judge} logged instead:`, ...classes] : [`${judge} logged no TLS failure ${label}`]));
    }
  }
  if (missing.length > 0) return fail(`${missing.join(', ')} did not reject ${node}'s certificate as expired ${label}`, evidence);
  return pass(`${judges.join(' and ')} each rejected ${node}'s certificate as expired ${label}`, evidence);
}
