import { erlang, erlangCluster } from '../src/workload/erlang/index.js';
import { between, nodesLogAlert, onlyTheseReject, staysAlone, stayFullyConnected, windowAfter } from '../src/scenario/checks.js';
import { defineScenario } from '../src/scenario/types.js';
import { verdictOf } from '../src/scenario/verdict.js';

const NODES = ['node1', 'node2', 'node3'];
const AHEAD = 'node3';
const BEHIND = 'node2';
const others = (node: string) => NODES.filter((n) => n !== node);

export default defineScenario({
  name: 'erlang-clock-skew',
  summary: "One node's clock alone moves: +31 days, then 2 h behind fresh certificates.",
  workload: erlang,
  description: `Three TLS-distribution nodes, a 30-day CA and 90-day certificates issued now. ${AHEAD}'s clock alone jumps past the CA's expiry (+31d), then it restarts; later ${BEHIND} restarts with its clock 2 h behind the certificates' notBefore. The other nodes keep real time.`,
  question: 'What does one node with a wrong clock do to the cluster: does it reject everyone, or does everyone reject it?',

  setup: (reference) => ({ cluster: erlangCluster({ reference, nodes: NODES }) }),

  async run(s) {
    await s.waitFor('full-mesh', 'wait for the full mesh', (view) => view.fullMesh(), { timeoutMs: 30_000 });
    const jumpAhead = await s.jumpClocks([AHEAD], '+31d', { id: 'jump-ahead' });
    await s.observe({ minMs: 2_000, maxMs: 4_000, stableSamples: 4 }, `${AHEAD} alone sees the CA expired: do its connections survive?`);
    const restartAhead = await s.restart(AHEAD);
    await s.observe({ minMs: 3_000, maxMs: 7_000, stableSamples: 4 }, `who rejects whom once ${AHEAD} has to handshake again?`);
    const fixClock = await s.restart(AHEAD, { id: 'fix-clock', clock: '+0' });
    const meshAgain = await s.waitFor('mesh-again', `wait for the full mesh with ${AHEAD}'s clock right`, (view) => view.fullMesh(), {
      timeoutMs: 20_000,
    });
    const restartBehind = await s.restart(BEHIND, { id: 'restart-behind', clock: '-2h' });
    await s.observe({ minMs: 3_000, maxMs: 7_000, stableSamples: 4 }, `${BEHIND}'s clock is before every certificate's notBefore: can it join?`);
    return { jumpAhead, restartAhead, fixClock, meshAgain, restartBehind };
  },

  expectations: [
    {
      id: 'skewed-connections-survive',
      title: `${AHEAD}'s connections survive its clock jumping past the CA's expiry`,
      basis: 'an established TLS connection is not re-verified',
      check: (q, _, { jumpAhead, restartAhead }) =>
        stayFullyConnected(q, NODES, { window: between(q, jumpAhead, restartAhead), label: `after ${AHEAD}'s jump, before its restart` }),
    },
    {
      id: 'ahead-alone',
      title: `${AHEAD}, restarted with its clock +31 days, stays alone`,
      basis: 'by its clock the CA has expired, so it cannot verify any chain (RFC 5280 6.1.3)',
      answer: {
        pass: `Restarted with its clock +31 days, ${AHEAD} stayed alone`,
        fail: `Restarted with its clock +31 days, ${AHEAD} did not stay alone`,
      },
      check: (q, _, { restartAhead, fixClock }) =>
        staysAlone(q, AHEAD, { others: others(AHEAD), window: between(q, restartAhead, fixClock), label: 'after its restart' }),
    },
    {
      id: 'ahead-rejects-everyone',
      title: `${AHEAD} rejects everyone, not the other way round: only it generates alerts, as client and as server`,
      basis: "only its clock is past the CA's notAfter; the others verify with real time, where every certificate is valid",
      answer: {
        pass: 'The node with the wrong clock rejects everyone, not the other way round',
        fail: 'Not only the node with the wrong clock rejected certificates',
      },
      check: (q, _, { restartAhead, fixClock }) =>
        onlyTheseReject(q, [AHEAD], { window: between(q, restartAhead, fixClock), label: `while ${AHEAD} ran at +31d` }),
    },
    {
      id: 'ahead-recovers',
      title: `${AHEAD} rejoins once its clock is right`,
      basis: 'nothing but its clock was wrong',
      check: (q, _, { meshAgain }) => {
        const wait = q.step(meshAgain);
        return {
          verdict: verdictOf(wait.outcome === 'met'),
          observed: wait.outcome === 'met' ? `full mesh again at ${wait.t}` : `no full mesh within the wait (${wait.detail})`,
          evidence: [wait],
        };
      },
    },
    {
      id: 'behind-alone',
      title: `${BEHIND}, restarted with its clock 2 h behind, stays alone`,
      basis: 'by its clock every certificate is not yet valid (RFC 5280 6.1.3)',
      answer: {
        pass: `With its clock 2 h behind the certificates' notBefore, ${BEHIND} also stayed alone`,
        fail: `With its clock 2 h behind, ${BEHIND} did not stay alone`,
      },
      check: (q, _, { restartBehind }) =>
        staysAlone(q, BEHIND, { others: others(BEHIND), window: windowAfter(q, restartBehind), label: 'after its restart' }),
    },
    {
      id: 'behind-says-expired',
      title: `${BEHIND} rejects the others with "Certificate Expired": TLS has one alert for "expired or not yet valid"`,
      basis: 'RFC 8446 6.2: certificate_expired means "a certificate has expired or is not currently valid"',
      answer: {
        pass: 'It logged "Certificate Expired": TLS has one alert for expired and not yet valid',
        fail: 'It did not log "Certificate Expired" for a certificate not yet valid',
      },
      check: (q, _, { restartBehind }) =>
        nodesLogAlert(q, [BEHIND], {
          window: windowAfter(q, restartBehind),
          text: 'generated CLIENT ALERT: Fatal - Certificate Expired',
          label: 'after its restart',
        }),
    },
  ],
});
