import { everyHealthSample, windowAfter } from '../src/scenario/checks.js';
import { certificateReads, newCertificateFor } from '../src/scenario/certificate-checks.js';
import type { ExpectationResult } from '../src/scenario/types.js';
import { defineScenario } from '../src/scenario/types.js';
import { fail, pass, unknown } from '../src/scenario/verdict.js';
import type { TimelineQuery, Window } from '../src/observe/query.js';
import type { CertificateRecord } from '../src/observe/records.js';
import { etcd, INCIDENT_ISSUANCE, incidentCertsAsManagerIssues, kopsEtcdCluster, KOPS_MASTERS_CORES } from '../src/workload/etcd/index.js';
import {
  eachMasterLogs,
  healthyAfter,
  healthyInBothViews,
  AXIS_NOTE,
  LEGACY,
  MANAGER,
  VERSION,
  MEMBER_FILES as FILES,
  MEMBERS,
  parts,
  formed,
  mitigate,
} from './kops/legacy-year.js';

/** When the incident's member certificates expired: issued Nov 5 2019 for 367 days. */
const INCIDENT_NOT_AFTER = new Date(Date.parse(INCIDENT_ISSUANCE.issuedAt) + INCIDENT_ISSUANCE.days * 86_400_000).toISOString();

/**
 * Every read of each member's peers/me.crt and clients/server.crt, and of
 * what its etcd serves on :2380, in the window is the incident's: nothing
 * else was issued or served. Each place must have been read in the window.
 * (:4001 is not judged: etcd serves clients only once it has joined a
 * quorum, which it cannot on these certificates.)
 */
function holdsIncidentCertificates(q: TimelineQuery, window: Window, label: string): ExpectationResult {
  const places = [...FILES, 'served on :2380'];
  const evidence: CertificateRecord[] = [];
  const unread: string[] = [];
  for (const node of MEMBERS) {
    for (const place of places) {
      const reads = certificateReads(q, [node], window, place);
      if (!reads.length) {
        unread.push(`${node} ${place}`);
        continue;
      }
      const other = reads.find((r) => r.notAfter !== INCIDENT_NOT_AFTER);
      if (other)
        return fail(`${node} ${other.role} is not the incident's certificate ${label}: valid ${other.notBefore} to ${other.notAfter}`, [other]);
      evidence.push(reads.at(-1)!);
    }
  }
  if (unread.length) return unknown(`never read ${label}: ${unread.join(', ')}`, evidence);
  return pass(
    `every read ${label} of each member's peers/me.crt and clients/server.crt, and of what it serves on :2380, is the incident's certificate (valid to ${INCIDENT_NOT_AFTER})`,
    evidence.filter((r) => r.node === MEMBERS[0]),
  );
}

export default defineScenario({
  name: 'etcd-incident-certs-kept',
  summary: "The seed's expired certificates written under a real etcd-manager, which restarts onto them.",
  workload: etcd,
  cores: KOPS_MASTERS_CORES,
  axes: ['etcd-manager'],
  description:
    `The seed's certificates on the real etcd-manager ${VERSION}: three kops masters form a cluster; the incident's member certificates (issued by openssl on Nov 5 2019 for 367 days, with the names etcd-manager gives its own) are written over peers/me and clients/server on each volume, and etcd-manager restarts onto them. ` +
    "Then the seed write-up's quick fix, another restart; then kops' mitigation: the certificates deleted on each volume, etcd-manager restarted." +
    AXIS_NOTE,
  question: `What does the real ${MANAGER} do with the incident's expired certificates on its volumes: keep them or issue new ones, and what then fixes it?`,

  async setup(reference) {
    // kops made the CAs in 2019, before it issued the incident's certificates; ten years, so they are valid today.
    return {
      cluster: {
        clusters: [
          await kopsEtcdCluster({ reference, manager: VERSION, casFrom: '2019-01-01T00:00:00Z', ...incidentCertsAsManagerIssues(reference) }),
        ],
      },
    };
  },

  async run(s) {
    const healthy = await formed(s);
    // kube-apiserver's post-start hooks run for seconds after it serves; one that meets etcd restarting makes it exit.
    await s.observe({ minMs: 20_000, maxMs: 25_000, stableSamples: 3 }, 'Healthy at the start, kube-apiserver done starting');
    // The folder they go in is named by the cluster's token, made when the cluster formed: they are written now.
    const install = await s.installForgedCertificates(MEMBERS, { id: 'install-incident-certificates' });
    const startOnIncident = await s.restartManager(MEMBERS, { id: 'start-on-incident-certificates' });
    // Each get cs waits out kube-apiserver's 20 s etcd dial: long enough for two or more answers per member.
    await s.observe(
      { minMs: 50_000, maxMs: 55_000, stableSamples: 4 },
      `${VERSION} restarted onto the incident's certificates: keeps them, or issues new ones?`,
    );
    const managerRestart = await s.restartManager(MEMBERS, { id: 'restart-manager' });
    await s.observe({ minMs: 50_000, maxMs: 55_000, stableSamples: 4 }, "the seed's quick fix, a restart: does anything change?");
    const { removal, restartAfterRemoval, recovered } = await mitigate(s);
    await s.observe({ minMs: 10_000, maxMs: 15_000, stableSamples: 4 }, 'does it stay Healthy?');
    return { healthy, install, startOnIncident, managerRestart, removal, restartAfterRemoval, recovered };
  },

  expectations: [
    {
      id: 'healthy-before',
      title: 'every member is Healthy in /readyz/etcd and in kubectl get cs on the certificates etcd-manager issued at the start',
      basis: 'the member certificates are seconds old',
      check: (q, _, { healthy, install }) => healthyInBothViews(q, { after: q.step(healthy).t, before: q.step(install).startedAt }, 'at the start'),
    },
    {
      id: 'manager-keeps-incident-certificates',
      title: `restarted onto them, etcd-manager ${VERSION} keeps every member's peers/me.crt and clients/server.crt, expired since ${INCIDENT_NOT_AFTER.slice(0, 10)}, and etcd serves them on :2380`,
      basis: `etcd-manager ${LEGACY} reuses a stored certificate whose CommonName, DNS names and IPs match what it would issue, never looking at its dates (pkg/pki/certs.go:42-103); the incident's carry exactly those names`,
      answer: {
        pass: `etcd-manager ${VERSION} keeps the incident's expired certificates as its own, and etcd serves them`,
        fail: `etcd-manager ${VERSION} did not keep the incident's certificates`,
      },
      check: (q, _, { startOnIncident, managerRestart }) => {
        const window = windowAfter(q, startOnIncident, managerRestart);
        return holdsIncidentCertificates(q, window, 'after the restart');
      },
    },
    {
      id: 'unhealthy-on-incident-certificates',
      title:
        'on the incident\'s certificates kubectl get cs shows every member Unhealthy, and every member\'s peer transport logs "certificate has expired"',
      basis:
        'seed write-up: `kubectl get cs` showed etcd Unhealthy and the members logged "x509: certificate has expired or is not yet valid"; every new TLS handshake checks the dates (RFC 5280 6.1.3)',
      answer: {
        pass: "kubectl get cs shows every member Unhealthy, and the members reject each other's certificates as expired",
        fail: "the cluster on the incident's certificates was not Unhealthy as in the incident",
      },
      check: (q, _, { startOnIncident, managerRestart }) => {
        const window = windowAfter(q, startOnIncident, managerRestart);
        return parts(
          everyHealthSample(q, MEMBERS, { window, view: 'componentstatus', healthy: false, label: 'after the restart' }),
          eachMasterLogs(q, {
            window,
            text: 'certificate has expired',
            label: 'after the restart',
            from: (line) => !line.startsWith('kube-apiserver:'),
          }),
        );
      },
    },
    {
      id: 'quick-fix-keeps-them',
      title: `restarted again, the seed's quick fix, etcd-manager ${VERSION} changes no member certificate and get cs stays Unhealthy on every member`,
      basis: `the same code path as the first restart: a stored certificate with matching names is kept (pkg/pki/certs.go); the seed write-up expected the restart to regenerate them`,
      answer: {
        pass: "The seed's quick fix, restarting etcd-manager, changes nothing: the same certificates, still Unhealthy",
        fail: 'Restarting etcd-manager changed the certificates or the health',
      },
      check: (q, _, { managerRestart, removal }) => {
        const window = windowAfter(q, managerRestart, removal);
        return parts(
          holdsIncidentCertificates(q, window, 'after the quick fix'),
          everyHealthSample(q, MEMBERS, { window, view: 'componentstatus', healthy: false, label: 'after the quick fix' }),
        );
      },
    },
    {
      id: 'removal-renews',
      title: `with the member certificates deleted, the restarted etcd-manager ${VERSION} writes new ones, valid 365 days`,
      basis: `etcd-manager ${LEGACY} generates a certificate where none is stored (pkg/pki/certs.go:103)`,
      answer: {
        pass: 'Deleting them first makes the restarted etcd-manager write new one-year ones',
        fail: 'Deleting them and restarting did not give new one-year certificates',
      },
      check: (q, _, { removal }) =>
        parts(
          ...FILES.map((file) =>
            newCertificateFor(q, MEMBERS, file, { window: { after: q.step(removal).startedAt }, days: 365, label: 'after the removal' }),
          ),
        ),
    },
    {
      id: 'healthy-after-removal',
      title: 'every member is Healthy again in /readyz/etcd and in kubectl get cs after the removal and restart',
      basis: 'new certificates, valid today, signed by the CAs every member trusts',
      answer: { pass: 'and every member is Healthy again', fail: 'and etcd did not come back Healthy' },
      check: (q, _, { restartAfterRemoval, recovered }) =>
        healthyAfter(q, { wait: recovered, from: restartAfterRemoval, label: 'after they came back' }),
    },
  ],
});
