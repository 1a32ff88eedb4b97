import { allOf } from '../src/scenario/verdict.js';
import { everyHealthSample, nodesLogAlert, someNodeLogs, windowAfter } from '../src/scenario/checks.js';
import type { ExpectationResult } from '../src/scenario/types.js';
import { defineScenario } from '../src/scenario/types.js';
import { etcd, kopsEtcdCluster, KOPS_MASTERS_CORES } from '../src/workload/etcd/index.js';
import { newCertificateFor, noNewCertificate } from '../src/scenario/certificate-checks.js';
import {
  etcdLogsAhead,
  healthyAfter,
  healthyInBothViews,
  AXIS_NOTE,
  LEGACY,
  MANAGER,
  VERSION,
  MANAGER_SERVER_FILE,
  managersMesh,
  MEMBER_FILES as FILES,
  MEMBERS,
  parts,
  readinessRidesOldConnection,
  RIDE_MS,
  formed,
  untilHealthy,
  mitigate,
} from './kops/legacy-year.js';

/** A year of running, and a day: past the 365 days this version issues for. */
const JUMP = '+366d';
const JUMP_SECONDS = 366 * 86_400;

export default defineScenario({
  name: 'etcd-certs-expire-in-time',
  summary: "The kops incident in time on the real etcd-manager: a year passes, then the seed's quick fix and kops' mitigation.",
  workload: etcd,
  cores: KOPS_MASTERS_CORES,
  axes: ['etcd-manager'],
  description:
    `The kops incident in time, on the real etcd-manager ${VERSION}: three kops masters (etcd-manager, the etcd it starts, kube-apiserver beside it); etcd-manager issues the member certificates at start; ` +
    `every master's clock then jumps ${JUMP} while running (certdrill-clock moves etcd-manager's, etcd's and kube-apiserver's Go clocks alike). Then the seed write-up's quick fix: restart etcd-manager. ` +
    "Then what kops' mitigation has an operator do: the expired member certificates deleted on each volume, then etcd-manager restarted; and, the masters never replaced during the year, what else it takes for etcd-manager's own mesh: its certificates in --pki-dir deleted too, then restarted." +
    AXIS_NOTE,
  question: `When a year passes on ${MANAGER} whose masters were never replaced, what does kubectl get cs show, does restarting etcd-manager bring etcd back, and what does the whole mitigation take?`,

  async setup(reference) {
    // kube-apiserver's own etcd client certificate is nodeup's, re-issued at each boot: not what expired in the incident.
    return { cluster: { clusters: [await kopsEtcdCluster({ reference, manager: VERSION, clientValidFor: '2y' })] } };
  },

  async run(s) {
    const healthy = await formed(s);
    await s.observe({ minMs: 4_000, maxMs: 8_000, stableSamples: 3 }, 'Healthy before the year passes');
    const yearPasses = await s.jumpClocks(MEMBERS, JUMP, { id: 'year-passes' });
    // kubectl get cs answers only when kube-apiserver's 20 s etcd dial gives up: a window long enough for samples sent after the step to end in it.
    await s.observe({ minMs: 45_000, maxMs: 50_000, stableSamples: 4 }, 'a year later: what kubectl get cs and /readyz/etcd say');
    const managerRestart = await s.restartManager(MEMBERS, { id: 'restart-manager' });
    await s.observe({ minMs: 45_000, maxMs: 50_000, stableSamples: 6 }, `the seed's quick fix: does ${VERSION}, restarted, issue new certificates?`);
    const { removal, restartAfterRemoval, recovered } = await mitigate(s);
    // Longer than etcd-manager's leader loop (~25 s between its "I am leader" lines), so that a mesh without a leader shows as one.
    await s.observe({ minMs: 30_000, maxMs: 35_000, stableSamples: 4 }, 'does it stay Healthy, and do the managers elect a leader?');
    const managerRemoval = await s.removeManagerCertificates(MEMBERS, { id: 'remove-manager-certificates' });
    const restartAfterManagerRemoval = await s.restartManager(MEMBERS, { id: 'restart-after-manager-removal' });
    const recoveredAgain = await untilHealthy(s, 'recovered-again');
    // Restarted together, the managers first find each other's ports closed and retry every 5 s: a leader may take tens of seconds.
    await s.observe({ minMs: 30_000, maxMs: 35_000, stableSamples: 4 }, 'do the managers elect a leader with new certificates of their own?');
    return {
      healthy,
      yearPasses,
      managerRestart,
      removal,
      restartAfterRemoval,
      recovered,
      managerRemoval,
      restartAfterManagerRemoval,
      recoveredAgain,
    };
  },

  expectations: [
    {
      id: 'healthy-before',
      title: "every member is Healthy in kube-apiserver's /readyz/etcd and in kubectl get cs before the year passes",
      basis: "the member certificates are seconds old by the members' clock",
      check: (q, _, { healthy, yearPasses }) =>
        healthyInBothViews(q, { after: q.step(healthy).t, before: q.step(yearPasses).startedAt }, 'before the jump'),
    },
    {
      id: 'one-year-certificates',
      title: `etcd-manager ${VERSION} issues each member's peers/me.crt and clients/server.crt for 365 days at start`,
      basis: `etcd-manager ${LEGACY} pkg/pki/certutils.go:91, NotAfter: time.Now().Add(duration365d)`,
      check: (q, _, { yearPasses }) =>
        parts(
          ...FILES.map((file) =>
            newCertificateFor(q, MEMBERS, file, { window: { before: q.step(yearPasses).startedAt }, days: 365, label: 'from the start' }),
          ),
        ),
    },
    {
      id: 'etcd-runs-on-jumped-clock',
      title: `after the jump every member's clock reads ${JUMP}, and etcd stamps its own log lines ${JUMP} ahead`,
      basis: "certdrill-clock redirects the Go programs' vDSO real-time reads to add the member's offset",
      check: (q, _, { yearPasses }) => etcdLogsAhead(q, { jump: yearPasses, spec: JUMP, seconds: JUMP_SECONDS }),
    },
    {
      id: 'componentstatus-unhealthy-after-year',
      title: "a year on, kubectl get cs shows every member's etcd Unhealthy",
      basis:
        "seed write-up: `kubectl get cs` showed etcd Unhealthy once the one-year certificates had expired; each health check is a new TLS handshake, checked against kube-apiserver's clock (RFC 5280 6.1.3)",
      answer: {
        pass: 'A year on, kubectl get cs shows every member Unhealthy, as in the incident',
        fail: 'A year on, kubectl get cs did not show every member Unhealthy, unlike the incident',
      },
      check: (q, _, { yearPasses, managerRestart }) =>
        everyHealthSample(q, MEMBERS, {
          window: windowAfter(q, yearPasses, managerRestart),
          view: 'componentstatus',
          healthy: false,
          label: 'after the jump',
        }),
    },
    {
      id: 'readyz-rides-established-connection',
      title: `a year on, kube-apiserver's /readyz/etcd still answers ok on every member for the first ${RIDE_MS / 1000} s while kubectl get cs says Unhealthy: the readiness check rides a connection dialled before the expiry, get cs makes a new TLS handshake each time`,
      basis:
        'kube-apiserver v1.33: the etcd health and readiness checks keep one prober client, dialled once (k8s.io/apiserver storagebackend/factory/etcd3.go, newETCD3Check; 2 s timeout), and TLS checks dates only at a handshake (RFC 5280 6.1.3); componentstatuses builds a new client per request (pkg/registry/core/componentstatus/validator.go, DoServerCheck)',
      answer: {
        pass: "Meanwhile kube-apiserver's /readyz/etcd went on saying ok on every member: its readiness check rides a connection made before the expiry, so a readiness probe says ok while every new client fails",
        fail: "kube-apiserver's /readyz/etcd did not stay ok while get cs was Unhealthy",
      },
      check: (q, _, { yearPasses, managerRestart }) => readinessRidesOldConnection(q, yearPasses, managerRestart),
    },
    {
      id: 'peers-reject-after-year',
      title:
        'the members reject each other\'s peer certificates: each member\'s peer transport logs "x509: certificate has expired or is not yet valid", and the other masters\' connections to its peer port are refused with the incident\'s "remote error: tls: bad certificate"',
      basis:
        "seed write-up: new peer handshakes fail once the one-year certificates have expired by the members' clock; the dialling member judges the certificate it is shown (x509) and sends the alert the listening member logs. Read on peer lines only: kube-apiserver's dials to 127.0.0.1:4001 fail too, and are counted apart",
      answer: {
        pass: "the members reject each other's peer certificates with the incident's log lines",
        fail: "the members' peer connections did not log the incident's lines",
      },
      check: (q, _, { yearPasses, managerRestart }): ExpectationResult => {
        const window = windowAfter(q, yearPasses, managerRestart);
        const judged = nodesLogAlert(q, MEMBERS, {
          window,
          text: 'x509: certificate has expired or is not yet valid',
          label: 'on its peer connections after the jump',
          channels: ['peer'],
        });
        const alerted = someNodeLogs(q, MEMBERS, {
          window,
          text: 'remote error: tls: bad certificate',
          label: "from other masters' addresses after the jump",
          channels: ['peer', 'remote'],
        });
        const client = q.alerts(window).filter((a) => MEMBERS.includes(a.node) && a.channel === 'client').length;
        const portUnlogged = q.alerts(window).some((a) => a.channel === 'remote')
          ? " (etcd 3.4 does not log which port: the peer port, or :4001 for another master's etcd-manager)"
          : '';
        return {
          verdict: allOf(judged.verdict, alerted.verdict),
          observed: `${judged.observed}; ${alerted.observed}${portUnlogged}; ${client} line(s) about clients in the node (kube-apiserver's dials to 127.0.0.1:4001) counted apart`,
          evidence: [...judged.evidence, ...alerted.evidence],
        };
      },
    },
    {
      id: 'restart-keeps-expired-certificates',
      title: `restarted a year on, etcd-manager ${VERSION} leaves every member's expired peers/me.crt and clients/server.crt as they were, and the members go on failing with "certificate has expired"`,
      basis: `etcd-manager ${LEGACY} pkg/pki/certs.go:42-103 regenerates a stored certificate only on a CommonName, DNS name or IP mismatch, never on dates; the seed write-up expected the restart to regenerate them`,
      answer: {
        pass: `Restarting etcd-manager ${VERSION} does not fix it, contradicting the seed write-up's "the certificates should be regenerated": it keeps every expired member certificate`,
        fail: `Restarting etcd-manager ${VERSION} changed the member certificates, as the seed write-up says and unlike what the legacy code predicts`,
      },
      check: (q, _, { managerRestart, removal }): ExpectationResult => {
        const window = windowAfter(q, managerRestart, removal);
        // etcd-manager writes its certificates while the restart step is still under way: compare with what each member held as it began.
        const sinceRestart = { after: q.step(managerRestart).startedAt, before: window.before };
        const parts = [
          ...FILES.map((file) => noNewCertificate(q, MEMBERS, file, { window: sinceRestart, label: 'after the restart' })),
          someNodeLogs(q, MEMBERS, { window, text: 'certificate has expired', label: 'after the restart' }),
        ];
        return {
          verdict: allOf(...parts.map((p) => p.verdict)),
          observed: parts.map((p) => p.observed).join('; '),
          evidence: parts.flatMap((p) => p.evidence),
        };
      },
    },
    {
      id: 'unhealthy-after-restart',
      title: 'after the restart, kubectl get cs still shows every member Unhealthy',
      basis: `the certificates ${LEGACY} keeps are still expired by every member's clock`,
      answer: { pass: 'kubectl get cs stays Unhealthy after the restart', fail: 'kubectl get cs did not stay Unhealthy after the restart' },
      check: (q, _, { managerRestart, removal }) =>
        everyHealthSample(q, MEMBERS, {
          window: windowAfter(q, managerRestart, removal),
          view: 'componentstatus',
          healthy: false,
          label: 'after the restart',
        }),
    },
    {
      id: 'removal-renews',
      title: `with the member certificates deleted, the restarted etcd-manager ${VERSION} writes new ones, valid 365 days from the members' clock`,
      basis: `etcd-manager ${LEGACY} pkg/pki/certs.go:103 generates a certificate where none is stored; measured in ../shared/third-party/etcd-manager/SOURCES.md`,
      answer: {
        pass: "What does: deleting the member certificates on each volume first; restarted, etcd-manager then writes new one-year ones by the members' clock",
        fail: 'Deleting the member certificates before the restart did not make etcd-manager write new one-year ones',
      },
      check: (q, _, { removal, managerRemoval }) =>
        parts(
          ...FILES.map((file) =>
            newCertificateFor(q, MEMBERS, file, {
              window: { after: q.step(removal).startedAt, before: q.step(managerRemoval).startedAt },
              days: 365,
              aheadMs: JUMP_SECONDS * 1000,
              label: 'after the removal',
            }),
          ),
        ),
    },
    {
      id: 'healthy-after-removal',
      title: 'every member is Healthy again in /readyz/etcd and in kubectl get cs after the removal and restart',
      basis: "new certificates, valid by every member's clock, signed by the CAs every member trusts",
      answer: { pass: 'and every member is Healthy again', fail: 'and etcd did not come back Healthy' },
      check: (q, _, { restartAfterRemoval, recovered }) =>
        healthyAfter(q, { wait: recovered, from: restartAfterRemoval, label: 'after they came back' }),
    },
    {
      id: 'managers-mesh-broken-after-removal',
      title: `after that restart, etcd-manager's own mesh elects no leader: its etcd-manager-server-<id> and -client-<id> certificates in --pki-dir, issued for 365 days with the member certificates and kept on restart, have expired too`,
      basis: `etcd-manager ${LEGACY} issues its gRPC certificates in --pki-dir at its first start for 365 days and reuses them while their names match (pkg/pki, the same keypair code as the member certificates); the managers ping each other over mutual TLS (pkg/privateapi peers.go) and elect a leader only among those they reach`,
      answer: {
        pass: "But that is not the whole mitigation where the masters were never replaced: etcd-manager's own mesh still elects no leader, its certificates in --pki-dir having expired with the rest, so the managers cannot add a member, back up or reconfigure",
        fail: "With the volume's certificates renewed, etcd-manager's own mesh worked as well",
      },
      check: (q, _, { restartAfterRemoval, managerRemoval }) =>
        managersMesh(q, {
          window: windowAfter(q, restartAfterRemoval, managerRemoval),
          leader: false,
          label: "after the volume's certificates were renewed",
        }),
    },
    {
      id: 'manager-removal-renews-mesh',
      title: `with etcd-manager's own certificates in --pki-dir deleted as well, the restarted managers write new ones, valid 365 days by the members' clock, elect a leader, and etcd is Healthy`,
      basis: `etcd-manager ${LEGACY} generates a certificate where none is stored (pkg/pki), for 365 days from its clock`,
      answer: {
        pass: "Deleting etcd-manager's etcd-manager-server-* and -client-* in --pki-dir as well, then restarting, completes it: new one-year certificates, a leader elected, etcd Healthy",
        fail: "Deleting etcd-manager's own certificates in --pki-dir and restarting did not bring its mesh back",
      },
      check: (q, _, { managerRemoval, restartAfterManagerRemoval, recoveredAgain }) => {
        // From the removal: a certificate written at once may be read by a sample sent before the restart step ended.
        const fromRemoval = { after: q.step(managerRemoval).startedAt };
        return parts(
          newCertificateFor(q, MEMBERS, MANAGER_SERVER_FILE, {
            window: fromRemoval,
            days: 365,
            aheadMs: JUMP_SECONDS * 1000,
            label: 'after the removal in --pki-dir',
          }),
          managersMesh(q, { window: fromRemoval, leader: true, label: 'after the restart' }),
          healthyAfter(q, { wait: recoveredAgain, from: restartAfterManagerRemoval, label: "with the new managers' certificates" }),
        );
      },
    },
  ],
});
