import { defineScenario } from '../../src/scenario/types.js';
import { pass, unknown } from '../../src/scenario/verdict.js';
import { etcd, kopsEtcdCluster } from '../../src/workload/etcd/index.js';
import type { EtcdManagerVersion } from '../../src/workload/etcd/manager/versions.js';
import { FORMED_WITHIN_MS, MEMBERS } from '../../scenarios/kops/legacy-year.js';

/**
 * What `npm run bench -- --masters` times: three kops masters of one real
 * etcd-manager version (CERTDRILL_BENCH_MANAGER) forming, then a few seconds
 * of running for their memory. Not a scenario of the suite (scripts/, not
 * scenarios/): it answers no incident's question.
 */
const VERSION = (process.env.CERTDRILL_BENCH_MANAGER ?? '3.0.20200116') as EtcdManagerVersion;

export default defineScenario({
  name: 'bench-masters-form',
  workload: etcd,
  description: `Three kops masters on the real etcd-manager ${VERSION}, formed, then left running a few seconds.`,
  question: `How long do three masters of etcd-manager ${VERSION} take to form, and how much memory does each use?`,
  async setup(reference) {
    return { cluster: { clusters: [await kopsEtcdCluster({ reference, manager: VERSION })] } };
  },
  async run(s) {
    await s.waitFor('formed', "wait until every member is Healthy in kube-apiserver's /readyz/etcd", (view) => view.allHealthy(MEMBERS), {
      timeoutMs: FORMED_WITHIN_MS,
      required: true,
    });
    await s.observe({ minMs: 15_000, maxMs: 15_000, stableSamples: 1 }, 'formed: running, for the memory each master uses');
  },
  expectations: [
    {
      id: 'formed',
      title: 'the three masters form: every member Healthy in /readyz/etcd',
      basis: "a benchmark's precondition",
      check: (q) => (q.step('formed').outcome === 'met' ? pass(`formed ${q.step('formed').t}`, []) : unknown('did not form', [])),
    },
  ],
});
