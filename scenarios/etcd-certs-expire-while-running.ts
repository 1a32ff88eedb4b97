import { everyHealthSample, firstUnhealthy, someNodeLogs, windowAfter } from '../src/scenario/checks.js';
import type { ExpectationResult } from '../src/scenario/types.js';
import { allOf, unknown } from '../src/scenario/verdict.js';
import { defineScenario } from '../src/scenario/types.js';
import { etcd, kopsEtcdCluster, memberCert } from '../src/workload/etcd/index.js';

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
const RESTARTED = 'etcd-b';
const OTHERS = MEMBERS.filter((m) => m !== RESTARTED);
/** Long enough for the cluster to form and be seen healthy; short enough to wait for. */
const LIFETIME = '30s';

export default defineScenario({
  name: 'etcd-certs-expire-while-running',
  summary: 'Peer and client certificates that expire 30 s in, in real time; then a member restarts.',
  workload: etcd,
  description: `kops-style etcd whose peer and client certificates expire ${LIFETIME} after the start, in real time (no faking): when does each member turn Unhealthy, do established peer connections survive, and what does a restarted member do?`,
  question: 'What happens at the moment the certificates of a running etcd cluster expire?',

  async setup(reference) {
    const cluster = await kopsEtcdCluster({
      reference,
      manager: 'hand-issued',
      peerCert: (member, ca) => memberCert(member, ca, reference, LIFETIME),
      serverCert: (member, ca) => memberCert(member, ca, reference, LIFETIME),
    });
    return { cluster: { clusters: [cluster] }, expiresAt: cluster.members[0]!.peerCert!.info.notAfter };
  },

  async run(s, { expiresAt }) {
    const healthy = await s.waitFor('healthy', "wait until every member is Healthy in the API server's view", (view) => view.allHealthy(), {
      timeoutMs: 25_000,
      required: true,
    });
    const expired = await s.observeUntil(expiresAt, 'expired', `the certificates' notAfter (${expiresAt.toISOString()}) is reached`);
    await s.observe(
      { minMs: 5_000, maxMs: 8_000, stableSamples: 4 },
      'which view turns Unhealthy, and does raft keep its leader over the established peer connections?',
    );
    const restart = await s.restart(RESTARTED);
    await s.observe({ minMs: 4_000, maxMs: 10_000, stableSamples: 4 }, `can ${RESTARTED}, restarted with its expired certificates, rejoin?`);
    return { healthy, expired, restart };
  },

  expectations: [
    {
      id: 'healthy-before-expiry',
      title: "every member is Healthy in the API server's view until the certificates expire",
      basis: 'all certificates are within their validity window',
      check: (q, { expiresAt }, { healthy }) =>
        everyHealthSample(q, MEMBERS, {
          window: { after: q.step(healthy).t, before: expiresAt.toISOString() },
          view: 'apiserver',
          healthy: true,
          label: 'between the first Healthy sample and notAfter',
        }),
    },
    {
      id: 'apiserver-unhealthy-after-expiry',
      title: "each member turns Unhealthy in the API server's view once its certificate has expired",
      basis: 'each /health probe is a new TLS handshake, which checks the dates (RFC 5280 6.1.3)',
      answer: { pass: "The API server's view turns Unhealthy at the expiry", fail: "The API server's view did not turn Unhealthy for every member" },
      check: (q, { expiresAt }, { expired, restart }): ExpectationResult => {
        const turned = firstUnhealthy(q, MEMBERS, { window: windowAfter(q, expired, restart), view: 'apiserver' });
        const missing = turned.filter((t) => !t.sample);
        const window = windowAfter(q, expired, restart);
        const unheard = missing.filter((t) => !q.states({ ...window, node: t.node, view: 'apiserver' }).some((s) => !s.noAnswer));
        const evidence = turned.flatMap((t) => [...(t.lastHealthy ? [t.lastHealthy] : []), t.sample ?? `${t.node}: never Unhealthy after notAfter`]);
        const delays = turned
          .filter((t) => t.sample)
          .map((t) => `${t.node} ${((Date.parse(t.sample!.t) - expiresAt.getTime()) / 1000).toFixed(1)} s after notAfter`);
        if (unheard.length > 0) return unknown(`${unheard.map((m) => m.node).join(', ')} answered no probe after notAfter`, evidence);
        return missing.length > 0
          ? { verdict: 'fail', observed: `${missing.map((m) => m.node).join(', ')} stayed Healthy after notAfter`, evidence }
          : { verdict: 'pass', observed: `Unhealthy at the first samples after notAfter: ${delays.join(', ')}`, evidence };
      },
    },
    {
      id: 'raft-survives-on-established-connections',
      title: 'raft keeps its leader after the expiry: etcdctl endpoint health stays Healthy until a member restarts',
      basis: "TLS checks certificate dates only during a handshake; rafthttp's peer streams are long-lived connections made before the expiry",
      answer: { pass: 'Raft keeps its leader over the peer connections made before the expiry', fail: 'Raft did not survive the expiry' },
      check: (q, _, { expired, restart }) =>
        everyHealthSample(q, MEMBERS, {
          window: windowAfter(q, expired, restart),
          view: 'etcdctl',
          healthy: true,
          label: 'after notAfter, before the restart',
        }),
    },
    {
      id: 'restarted-member-rejected',
      title: `${RESTARTED}, restarted with its expired certificates, cannot rejoin: its etcdctl view stays Unhealthy and its peers reject it`,
      basis: 'a restarted member must make new peer handshakes, in which the expired certificates are rejected',
      answer: { pass: 'A restarted member cannot rejoin', fail: 'A restarted member was not shut out as expected' },
      check: (q, _, { restart }): ExpectationResult => {
        const afterRestart = windowAfter(q, restart);
        const own = everyHealthSample(q, [RESTARTED], { window: afterRestart, view: 'etcdctl', healthy: false, label: 'after its restart' });
        const rejected = someNodeLogs(q, OTHERS, {
          window: afterRestart,
          text: 'certificate has expired or is not yet valid',
          label: 'after the restart',
        });
        return {
          verdict: allOf(own.verdict, rejected.verdict),
          observed: `${own.observed}; ${rejected.observed}`,
          evidence: [...own.evidence, ...rejected.evidence],
        };
      },
    },
  ],
});
