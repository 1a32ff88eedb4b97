import { everyHealthSample, windowAfter } from '../src/scenario/checks.js';
import { newCertificateFor, noNewCertificate } from '../src/scenario/certificate-checks.js';
import { defineScenario } from '../src/scenario/types.js';
import { etcd, kopsEtcdCluster, KOPS_MASTERS_CORES } from '../src/workload/etcd/index.js';
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
  formed,
  untilHealthy,
  mitigate,
} from './kops/legacy-year.js';

/** Half a year in, the masters' root disks are replaced (kops rolls its masters onto new instances; the data volumes stay). */
const HALF = '+183d';
const HALF_SECONDS = 183 * 86_400;
/** A year of running, and a day: past the 365 days the member certificates were issued for. */
const JUMP = '+366d';
const JUMP_SECONDS = 366 * 86_400;

export default defineScenario({
  name: 'etcd-certs-expire-masters-replaced',
  summary: "The kops incident in time with the masters replaced half a year in, as in the seed: only the volume's certificates expire.",
  workload: etcd,
  cores: KOPS_MASTERS_CORES,
  axes: ['etcd-manager'],
  description:
    `The seed's own case, on the real etcd-manager ${VERSION}: three kops masters whose root disks are replaced half a year in (${HALF}: etcd-manager's own certificates in --pki-dir written anew at boot, the data volumes with the member certificates kept), ` +
    `then a year and a day after the start (${JUMP}) the volume's member certificates expire while the managers' are half a year old. Then kops' mitigation: the member certificates deleted on each volume, etcd-manager restarted.` +
    AXIS_NOTE,
  question: `Where the masters were replaced during the year, as in the seed, what does the mitigation of ${MANAGER} take: the volume's certificates alone, or etcd-manager's own as well?`,

  async setup(reference) {
    return { cluster: { clusters: [await kopsEtcdCluster({ reference, manager: VERSION, clientValidFor: '2y' })] } };
  },

  async run(s) {
    const healthy = await formed(s);
    // kube-apiserver's post-start hooks run for seconds after it serves; one that meets etcd restarting
    // ('start-service-ip-repair-controllers') makes it exit, and it cannot start again once the year has passed (seen here).
    await s.observe({ minMs: 20_000, maxMs: 25_000, stableSamples: 3 }, 'Healthy at the start, kube-apiserver done starting');
    const halfYear = await s.jumpClocks(MEMBERS, HALF, { id: 'half-year' });
    // A replaced root disk: --pki-dir holds the CAs kops provisions, and no etcd-manager key pair yet.
    const replaceRootDisks = await s.removeManagerCertificates(MEMBERS, { id: 'replace-root-disks' });
    const bootReplaced = await s.restartManager(MEMBERS, { id: 'boot-replaced-masters' });
    await untilHealthy(s, 'healthy-replaced');
    // Long enough for the certificates probe (up to 3 s per port still starting) to read every master again.
    await s.observe({ minMs: 15_000, maxMs: 20_000, stableSamples: 3 }, 'the replaced masters, half a year in');
    const yearPasses = await s.jumpClocks(MEMBERS, JUMP, { id: 'year-passes' });
    // Longer than kube-apiserver's 20 s etcd dial (get cs) and etcd-manager's ~25 s leader loop.
    await s.observe({ minMs: 45_000, maxMs: 50_000, stableSamples: 4 }, "a year after the start: etcd, and the managers' mesh");
    const { removal, restartAfterRemoval, recovered } = await mitigate(s);
    // With the restart and the wait, the window after the removal outlasts a slow election (LEADER_WINDOW_MS, legacy-year.ts).
    await s.observe({ minMs: 30_000, maxMs: 35_000, stableSamples: 4 }, "does it stay Healthy, with the managers' mesh led?");
    return { healthy, halfYear, replaceRootDisks, bootReplaced, yearPasses, removal, restartAfterRemoval, recovered };
  },

  expectations: [
    {
      id: 'healthy-before',
      title: 'every member is Healthy in /readyz/etcd and in kubectl get cs before the masters are replaced',
      basis: "the member certificates are seconds old by the members' clock",
      check: (q, _, { healthy, halfYear }) => {
        const window = { after: q.step(healthy).t, before: q.step(halfYear).startedAt };
        return healthyInBothViews(q, window, 'at the start');
      },
    },
    {
      id: 'replaced-masters-new-manager-certificates',
      title: `booted half a year in with --pki-dir written anew, etcd-manager ${VERSION} writes new etcd-manager-server-<id> certificates valid 365 days from the members' clock, and keeps each member's peers/me.crt and clients/server.crt`,
      basis: `etcd-manager ${LEGACY} generates a key pair where none is stored and reuses a stored one whose names match, however old (pkg/pki)`,
      answer: {
        pass: 'Replacing the masters half a year in gives etcd-manager new certificates of its own in --pki-dir, and leaves the member certificates on the volumes as they were',
        fail: "Replacing the masters did not renew etcd-manager's own certificates alone",
      },
      check: (q, _, { replaceRootDisks, bootReplaced, yearPasses }) => {
        const window = { after: q.step(replaceRootDisks).startedAt, before: q.step(yearPasses).startedAt };
        return parts(
          newCertificateFor(q, MEMBERS, MANAGER_SERVER_FILE, {
            window,
            days: 365,
            aheadMs: HALF_SECONDS * 1000,
            label: 'after the masters were replaced',
          }),
          ...FILES.map((file) =>
            noNewCertificate(q, MEMBERS, file, { window: windowAfter(q, bootReplaced, yearPasses), label: 'after the masters were replaced' }),
          ),
        );
      },
    },
    {
      id: 'etcd-runs-on-jumped-clock',
      title: `after the second jump every member's clock reads ${JUMP}, and etcd stamps its own log lines ${JUMP} ahead`,
      basis: "certdrill-clock redirects the Go programs' vDSO real-time reads to add the member's offset",
      check: (q, _, { yearPasses }) => etcdLogsAhead(q, { jump: yearPasses, spec: JUMP, seconds: JUMP_SECONDS }),
    },
    {
      id: 'componentstatus-unhealthy-after-year',
      title: "a year after the start, kubectl get cs shows every member's etcd Unhealthy",
      basis:
        "the member certificates etcd-manager issued at the start for 365 days have expired by the members' clock; each get cs is a new TLS handshake (RFC 5280 6.1.3)",
      answer: {
        pass: 'A year after the start kubectl get cs shows every member Unhealthy, as in the seed',
        fail: 'A year after the start kubectl get cs did not show every member Unhealthy',
      },
      check: (q, _, { yearPasses, removal }) =>
        everyHealthSample(q, MEMBERS, {
          window: windowAfter(q, yearPasses, removal),
          view: 'componentstatus',
          healthy: false,
          label: 'after the jump',
        }),
    },
    {
      id: 'mesh-led-after-year',
      title: "a year after the start, etcd-manager's own mesh still has a leader: its certificates in --pki-dir are half a year old",
      basis:
        "the seed: its operator found the certificates in /etc/kubernetes/pki/etcd-manager-* valid for another year, the masters' root disks having been replaced; the managers' gRPC mesh checks only those",
      answer: { pass: "while etcd-manager's own mesh keeps a leader", fail: "and etcd-manager's own mesh lost its leader as well" },
      check: (q, _, { yearPasses, removal }) =>
        managersMesh(q, { window: windowAfter(q, yearPasses, removal), leader: true, label: 'after the jump' }),
    },
    {
      id: 'removal-renews',
      title: `with the member certificates deleted, the restarted etcd-manager ${VERSION} writes new ones, valid 365 days from the members' clock`,
      basis: `etcd-manager ${LEGACY} generates a certificate where none is stored (pkg/pki/certs.go:103)`,
      answer: {
        pass: "Here kops' mitigation is the whole of it: with the member certificates deleted, the restarted etcd-manager writes new one-year ones",
        fail: 'Deleting the member certificates and restarting did not make etcd-manager write new one-year ones',
      },
      check: (q, _, { removal }) =>
        parts(
          ...FILES.map((file) =>
            newCertificateFor(q, MEMBERS, file, {
              window: { after: q.step(removal).startedAt },
              days: 365,
              aheadMs: JUMP_SECONDS * 1000,
              label: 'after the removal',
            }),
          ),
        ),
    },
    {
      id: 'healthy-and-led-after-removal',
      title:
        "every member is Healthy again in /readyz/etcd and in kubectl get cs, and the managers' mesh elects a leader, with nothing done to --pki-dir",
      basis: "new member certificates, valid by every member's clock; the managers' own are still valid",
      answer: { pass: "and etcd is Healthy with the managers' mesh led", fail: "but etcd or the managers' mesh did not come back" },
      check: (q, _, { removal, restartAfterRemoval, recovered }) =>
        parts(
          healthyAfter(q, { wait: recovered, from: restartAfterRemoval, label: 'after they came back' }),
          managersMesh(q, { window: { after: q.step(removal).startedAt }, leader: true, label: 'after the restart' }),
        ),
    },
  ],
});
