import { everyHealthSample, healthErrorsMention, nodesLogAll } from '../src/scenario/checks.js';
import { defineScenario } from '../src/scenario/types.js';
import { etcd, incidentMemberCert, kopsEtcdCluster } from '../src/workload/etcd/index.js';

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];

export default defineScenario({
  name: 'etcd-client-cert-expired',
  summary: "Only clients/server.crt has expired: raft and the API server's view, separately.",
  workload: etcd,
  description:
    'kops-style etcd whose clients/server.crt expired (issued Nov 5 2019 for a year) while the peer certificates are valid: raft and the API server, separately.',
  question: 'If only the client-facing certificate has expired, what happens to raft, and what does the API server see?',

  async setup(reference) {
    return {
      cluster: {
        clusters: [
          await kopsEtcdCluster({
            reference,
            manager: 'hand-issued',
            serverCert: incidentMemberCert(reference),
          }),
        ],
      },
    };
  },

  async run(s) {
    const quorum = await s.waitFor('quorum', 'wait for a leader (etcdctl endpoint health)', (view) => view.allHealthy(s.nodes, 'etcdctl'), {
      timeoutMs: 20_000,
      required: true,
    });
    await s.observe({ minMs: 3_000, maxMs: 6_000, stableSamples: 4 }, 'raft has quorum; what does the API server see?');
    return { quorum };
  },

  expectations: [
    {
      id: 'raft-healthy',
      title: 'raft is unaffected: after the first leader, etcdctl endpoint health is Healthy on every member',
      basis: 'peers use peers/me.crt, which is valid; clients/server.crt only serves port 4001',
      answer: { pass: 'An expired clients/server.crt alone leaves raft healthy', fail: 'Raft did not stay healthy' },
      check: (q, _, { quorum }) =>
        everyHealthSample(q, MEMBERS, { window: { after: q.step(quorum).t }, view: 'etcdctl', healthy: true, label: 'after quorum' }),
    },
    {
      id: 'apiserver-unhealthy',
      title: "the API server's view (GET /health on port 4001, verifying the member's certificate) is Unhealthy for every member, all along",
      basis: "the API server checks the serving certificate's dates at each TLS handshake (RFC 5280 6.1.3)",
      answer: { pass: 'The API server sees every member Unhealthy', fail: 'The API server did not see every member Unhealthy' },
      check: (q) => everyHealthSample(q, MEMBERS, { view: 'apiserver', healthy: false, label: 'during the run' }),
    },
    {
      id: 'apiserver-sees-expiry',
      title: "the API server's TLS handshake fails because the member's certificate has expired",
      basis: 'RFC 5280 6.1.3: a certificate is valid only within its notBefore/notAfter window',
      answer: { pass: 'Its handshakes fail on the expired serving certificate', fail: "The API server's handshakes failed for another reason" },
      check: (q) => healthErrorsMention(q, MEMBERS, { view: 'apiserver', text: 'certificate has expired', label: 'during the run' }),
    },
    {
      id: 'members-log-rejected-handshakes',
      title: 'each member logs the failed handshakes on its client port as "rejected connection"',
      basis:
        'incident: etcd logs every failed TLS handshake as `embed: rejected connection from ...` with the reason (etcd 3.5: `rejected connection on client endpoint`)',
      // The event, in each version's words: 3.4 "rejected connection from", 3.5 "rejected connection on client endpoint".
      check: (q) => nodesLogAll(q, MEMBERS, { texts: ['rejected connection'], label: 'during the run' }),
    },
  ],
});
