import { everyHealthSample } from '../src/scenario/checks.js';
import type { ExpectationResult } from '../src/scenario/types.js';
import { allOf, verdictOf } from '../src/scenario/verdict.js';
import { defineScenario } from '../src/scenario/types.js';
import type { TimelineQuery } from '../src/observe/query.js';
import { etcd, incidentMemberCert, kopsEtcdCluster } from '../src/workload/etcd/index.js';

const LEGACY = ['etcd-a', 'etcd-b', 'etcd-c'];
const RENEWING = ['etcd-r1', 'etcd-r2', 'etcd-r3'];

export default defineScenario({
  name: 'etcd-manager-restart-recovers',
  workload: etcd,
  description:
    'Two kops-style etcd clusters whose member certificates expired in 2020: one under a legacy etcd-manager (< 3.0.20200428), one under a renewing one. A plain wait, then the incident\'s quick fix on the legacy one: restart etcd-manager.',
  question: 'Does restarting etcd-manager bring etcd back, and would a newer etcd-manager have avoided the outage?',

  async setup(reference) {
    const forge = incidentMemberCert(reference);
    return {
      cluster: {
        clusters: [
          await kopsEtcdCluster({ reference, name: 'legacy', manager: 'legacy', members: LEGACY, peerCert: forge, serverCert: forge }),
          await kopsEtcdCluster({ reference, name: 'renewing', manager: 'renewing', members: RENEWING, peerCert: forge, serverCert: forge }),
        ],
      },
    };
  },

  async run(s) {
    await s.waitFor('renewing-healthy', 'wait until the renewing cluster is Healthy', (view) => view.allHealthy(RENEWING), { timeoutMs: 25_000 });
    await s.observe({ minMs: 8_000, maxMs: 15_000, stableSamples: 6 }, 'a plain wait: does the legacy cluster recover on its own?');
    await s.restartManager(LEGACY, { id: 'restart-manager' });
    await s.waitFor('legacy-healthy', 'wait until the legacy cluster is Healthy', (view) => view.allHealthy(LEGACY), { timeoutMs: 30_000 });
    await s.observe({ minMs: 2_000, maxMs: 4_000, stableSamples: 4 }, 'does it stay Healthy?');
  },

  answer: [
    { expectation: 'legacy-broken-across-wait', pass: 'A legacy etcd-manager stays broken until it restarts', fail: 'The legacy cluster did not stay broken until etcd-manager restarted' },
    { expectation: 'manager-restart-recovers', pass: 'Yes: restarted, it regenerates the certificates and etcd is Healthy again', fail: 'No: restarting etcd-manager did not bring etcd back' },
    { expectation: 'renewing-never-unhealthy', pass: 'A renewing one re-issues expired certificates at start and is never Unhealthy', fail: 'The renewing cluster was not spared' },
  ],

  expectations: [
    {
      id: 'legacy-broken-across-wait',
      title: 'legacy: with the expired certificates kept, every member stays Unhealthy (API server\'s view) until etcd-manager restarts',
      basis: 'incident: etcd-manager before 3.0.20200428 never renews; nothing changes the certificates on the volume',
      check: (q) => everyHealthSample(q, LEGACY, { before: q.step('restart-manager').startedAt }, 'apiserver', false, 'before the etcd-manager restart'),
    },
    {
      id: 'manager-restart-recovers',
      title: 'legacy: restarting etcd-manager regenerates the certificates and every member becomes Healthy',
      basis: 'incident: restarting etcd-manager regenerated the certificates and health came back',
      check: (q) => recovered(q),
    },
    {
      id: 'renewing-never-unhealthy',
      title: 'renewing: the manager re-issued the expired certificates at start, and the cluster is never Unhealthy once formed',
      basis: 'etcd-manager 3.0.20200428 and later re-issue member certificates at start and before expiry',
      check: (q): ExpectationResult => {
        const issued = q.records.filter((r) => r.kind === 'certificate' && RENEWING.includes(r.node));
        const healthy = everyHealthSample(q, RENEWING, { after: q.step('renewing-healthy').t }, 'apiserver', true, 'after the cluster formed');
        return { verdict: allOf(healthy.verdict, verdictOf(issued.length === RENEWING.length * 2)), observed: `${issued.length} certificates re-issued for ${RENEWING.length} members; ${healthy.observed}`, evidence: [...issued, ...healthy.evidence] };
      },
    },
  ],
});

function recovered(q: TimelineQuery): ExpectationResult {
  const restart = q.step('restart-manager');
  const wait = q.step('legacy-healthy');
  const issued = q.records.filter((r) => r.kind === 'certificate' && LEGACY.includes(r.node) && Date.parse(r.t) >= Date.parse(restart.startedAt));
  const stays = everyHealthSample(q, LEGACY, { after: wait.t }, 'apiserver', true, 'after they came back');
  const verdict = allOf(verdictOf(wait.outcome === 'met' && issued.length === LEGACY.length * 2), stays.verdict);
  const took = ((Date.parse(wait.t) - Date.parse(restart.t)) / 1000).toFixed(1);
  return {
    verdict,
    observed: wait.outcome === 'met' ? `${issued.length} certificates regenerated; all Healthy ${took} s after the members restarted; ${stays.observed}` : `not Healthy within the wait (${wait.detail})`,
    evidence: [...issued, wait, ...stays.evidence],
  };
}
