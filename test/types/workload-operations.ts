/**
 * Compiled, never run (`npm test` runs tsc first): a scenario gets its
 * workload's context, so an operation its workload lacks is a compile error.
 * Each @ts-expect-error fails the build if that line ever compiles.
 */
import { forgeCa } from '../../src/pki/certificate.js';
import { defineScenario } from '../../src/scenario/types.js';
import { erlang, erlangCluster, nodeCert } from '../../src/workload/erlang/index.js';
import { etcd, kopsEtcdCluster } from '../../src/workload/etcd/index.js';

export const erlangScenario = defineScenario({
  name: 'types-erlang',
  description: 'compile-time only',
  workload: erlang,
  setup: (reference) => ({ cluster: erlangCluster({ reference }), spare: forgeCa('spare', { validFor: '1y' }, reference) }),
  async run(s, { spare }) {
    await s.restart('node1', { cert: nodeCert('node1', spare, new Date()), preflight: 7 * 86_400, clock: '+1d' });
    s.view().fullMesh();
    // @ts-expect-error an Erlang cluster has no etcd-manager to restart
    await s.restartManager(['node1']);
    // @ts-expect-error an Erlang view has no health views
    s.view().allHealthy();
  },
  expectations: [{ id: 'e', title: 't', basis: 'b', check: (_q, { spare }) => ({ verdict: 'pass', observed: spare.name, evidence: [] }) }],
});

export const etcdScenario = defineScenario({
  name: 'types-etcd',
  description: 'compile-time only',
  workload: etcd,
  setup: async (reference) => ({ cluster: { clusters: [await kopsEtcdCluster({ reference })] } }),
  async run(s) {
    await s.restartManager(['etcd-a']);
    await s.restart('etcd-a', { clock: '+1d' });
    s.view().allHealthy(['etcd-a'], 'etcdctl');
    // @ts-expect-error etcd members get their certificates from etcd-manager, not from the scenario
    await s.restart('etcd-a', { preflight: false });
    // @ts-expect-error etcd has no membership mesh to ask about
    s.view().fullMesh();
    // @ts-expect-error etcd's views are apiserver and etcdctl
    s.view().allHealthy(['etcd-a'], 'kubectl');
  },
  expectations: [],
});

export const mismatched = defineScenario({
  name: 'types-mismatch',
  description: 'compile-time only',
  workload: etcd,
  // @ts-expect-error an etcd scenario's cluster is etcd clusters, not Erlang nodes
  setup: (reference) => ({ cluster: erlangCluster({ reference }) }),
  async run() {},
  expectations: [],
});

export const handles = defineScenario({
  name: 'types-handles',
  description: 'compile-time only',
  workload: erlang,
  setup: (reference) => ({ cluster: erlangCluster({ reference }) }),
  async run(s) {
    const mesh = await s.waitFor('mesh', 'wait', (view) => view.fullMesh(), { timeoutMs: 1_000 });
    const restart = await s.restart('node1');
    return { held: mesh.held, restart };
  },
  expectations: [
    { id: 'a', title: 't', basis: 'b', check: (q, _, { restart }) => ({ verdict: 'pass', observed: q.step(restart).id, evidence: [] }) },
    // @ts-expect-error a check reads only the handles its run returns: there is no `jump`
    { id: 'b', title: 't', basis: 'b', check: (q, _, { jump }) => ({ verdict: 'pass', observed: q.step(jump).id, evidence: [] }) },
  ],
});
