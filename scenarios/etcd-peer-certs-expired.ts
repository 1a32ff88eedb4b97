import { everyHealthSample, everySampleFailsFor, nodesLogAll } from '../src/scenario/checks.js';
import { defineScenario } from '../src/scenario/types.js';
import { etcd, incidentMemberCert, kopsEtcdCluster } from '../src/workload/etcd/index.js';

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];

/**
 * The kops incident: etcd-manager (before 3.0.20200428) issued the peer
 * certificates on Nov 5 2019 with a one-year lifetime and never renewed them.
 */
export default defineScenario({
  name: 'etcd-peer-certs-expired',
  summary: "The kops incident's certificates (openssl, Nov 5 2019, 367 days) on every member's peers/me.crt.",
  workload: etcd,
  description:
    'Three kops-style etcd members whose peers/me.crt were issued Nov 5 2019 for a year (openssl under faketime); client certificates valid.',
  question: 'What do etcd members do when their peer certificates have expired?',

  async setup(reference) {
    return {
      cluster: {
        clusters: [
          await kopsEtcdCluster({
            reference,
            manager: 'hand-issued',
            // The incident's certificates, made the way they were made: openssl on the day.
            peerCert: incidentMemberCert(reference),
          }),
        ],
      },
    };
  },

  async run(s) {
    // A healthy cluster here elects a leader within about 2 s of its members starting.
    await s.waitFor('quorum', 'wait up to 8 s for a leader (etcdctl endpoint health)', (view) => view.allHealthy(s.nodes, 'etcdctl'), {
      timeoutMs: 8_000,
    });
    await s.observe(3_000, 'do the members keep rejecting each other?');
  },

  expectations: [
    {
      id: 'members-reject-each-other',
      title: 'every member rejects its peers: "remote error: tls: bad certificate" and "certificate has expired or is not yet valid"',
      basis:
        'incident: members logged `embed: rejected connection ... (error "remote error: tls: bad certificate" ...)` and `x509: certificate has expired or is not yet valid`; Go checks the peer chain\'s dates at each handshake',
      answer: { pass: "Every member rejects the others with the incident's lines", fail: "Not every member logged the incident's lines" },
      check: (q) =>
        nodesLogAll(q, MEMBERS, {
          texts: ['remote error: tls: bad certificate', 'certificate has expired or is not yet valid'],
          label: 'during the run',
        }),
    },
    {
      id: 'no-quorum',
      title: 'the cluster has no quorum: etcdctl endpoint health fails on every member',
      basis: 'raft needs 2 of 3 members talking; no peer connection completes a TLS handshake',
      answer: { pass: 'Raft has no quorum', fail: 'Raft was not without quorum all along' },
      check: (q) => everyHealthSample(q, MEMBERS, { view: 'etcdctl', healthy: false, label: 'during the run' }),
    },
    {
      id: 'apiserver-unhealthy',
      title:
        "the API server's view (GET /health on port 4001 with a client certificate) fails for every member: refused, or the connection accepted and never served",
      basis:
        "incident: `kubectl get cs` showed etcd Unhealthy; etcd 3.4 serves its client listener only once the member is ready (embed, after ReadyNotify), so without a quorum a client's TLS handshake never starts and its check fails by its deadline. A deadline passed for any other reason could be the busy host: not counted",
      answer: { pass: 'The API server sees every member Unhealthy', fail: 'The API server did not see every member Unhealthy' },
      check: (q) => everySampleFailsFor(q, MEMBERS, { view: 'apiserver', cause: 'connected, no TLS handshake', label: 'during the run' }),
    },
  ],
});
