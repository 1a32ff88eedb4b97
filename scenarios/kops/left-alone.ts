import { everyHealthSample, windowAfter } from '../../src/scenario/checks.js';
import { newCertificateFor, noNewCertificate } from '../../src/scenario/certificate-checks.js';
import { defineScenario } from '../../src/scenario/types.js';
import { etcd, kopsEtcdCluster, KOPS_MASTERS_CORES } from '../../src/workload/etcd/index.js';
import {
  etcdLogsAhead,
  healthyAfter,
  healthyInBothViews,
  MANAGER_SERVER_FILE,
  managersMesh,
  MEMBER_FILES,
  MEMBERS,
  parts,
  formed,
  untilHealthy,
} from './legacy-year.js';

/** A year and a day: inside the two years a fixed etcd-manager issues for. */
const YEAR = '+366d';
/** Two years and a day from the start: past them, nothing restarted in between. */
const TWO_YEARS = '+731d';
const TWO_YEARS_SECONDS = 731 * 86_400;
const TWO_YEARS_DAYS = 730;

/**
 * A kops etcd cluster under a fixed etcd-manager (3.0.20200428 or later),
 * left alone for two years: what the real binary does with the two-year
 * certificates it issues, and what a restart then does. One scenario per
 * version (scenarios/etcd-*-manager-left-alone.ts).
 */
export function leftAloneScenario(name: string, version: '3.0.20200428' | 'v3.0.20260707', who: string, summary: string) {
  const files = [...MEMBER_FILES, MANAGER_SERVER_FILE];
  return defineScenario({
    name,
    summary,
    workload: etcd,
    cores: KOPS_MASTERS_CORES,
    description:
      `${who} (etcd-manager ${version}), left alone: three kops masters (etcd-manager, its etcd, kube-apiserver beside it), all under certdrill-clock. ` +
      `Every master's clock jumps ${YEAR} (inside the two years it issues for), then ${TWO_YEARS} from the start with nothing restarted in between; then etcd-manager is restarted.`,
    question: `Does etcd-manager ${version} renew its certificates before they expire, as the kops advisory says ("will automatically request new certificates before expiration"), or only when it restarts, and what does a restart renew?`,

    async setup(reference) {
      // kube-apiserver's own etcd client certificate (nodeup's, re-issued at each boot) outlives the run's jumps.
      return { cluster: { clusters: [await kopsEtcdCluster({ reference, manager: version, clientValidFor: '3y' })] } };
    },

    async run(s) {
      const healthy = await formed(s);
      // Serving /readyz/etcd is not done starting: a post-start hook still retrying would die of the jumps, and kube-apiserver with it.
      await s.waitApiserverStarted(MEMBERS);
      await s.observe({ minMs: 4_000, maxMs: 8_000, stableSamples: 3 }, 'Healthy at the start');
      const yearPasses = await s.jumpClocks(MEMBERS, YEAR, { id: 'year-passes' });
      // kubectl get cs may take kube-apiserver's 20 s etcd dial: long enough for samples sent after the jump to answer.
      await s.observe({ minMs: 25_000, maxMs: 30_000, stableSamples: 4 }, 'a year on: still Healthy?');
      const twoYearsPass = await s.jumpClocks(MEMBERS, TWO_YEARS, { id: 'two-years-pass' });
      await s.observe({ minMs: 45_000, maxMs: 50_000, stableSamples: 4 }, 'two years on, nothing restarted: renewed, or expired?');
      const managerRestart = await s.restartManager(MEMBERS, { id: 'restart-manager' });
      const recovered = await untilHealthy(s, 'recovered');
      // Longer than etcd-manager's leader loop (~25 s between its "I am leader" lines); restarted together, today's
      // managers took 22 s to elect one in a run here (and none within the 35 s of an earlier, shorter window).
      await s.observe({ minMs: 40_000, maxMs: 45_000, stableSamples: 4 }, "after the restart: Healthy, and the managers' mesh led?");
      return { healthy, yearPasses, twoYearsPass, managerRestart, recovered };
    },

    expectations: [
      {
        id: 'two-year-certificates',
        title: `etcd-manager ${version} issues each member's peers/me.crt, clients/server.crt and its own etcd-manager-server-<id> for ${TWO_YEARS_DAYS} days at start`,
        basis: `etcd-manager ${version} pkg/pki: CertDuration two years (ETCD_MANAGER_CERT_DURATION unset), reissued when it starts etcd if less than CertMinTimeLeft (20 years) is left`,
        answer: {
          pass: `etcd-manager ${version} issues two-year certificates at start`,
          fail: `etcd-manager ${version} did not issue two-year certificates at start`,
        },
        check: (q, _, { yearPasses }) =>
          parts(
            ...files.map((file) =>
              newCertificateFor(q, MEMBERS, file, {
                window: { before: q.step(yearPasses).startedAt },
                days: TWO_YEARS_DAYS,
                label: 'from the start',
              }),
            ),
          ),
      },
      {
        id: 'etcd-runs-on-jumped-clock',
        title: `after the second jump every member's clock reads ${TWO_YEARS}, and etcd stamps its own log lines ${TWO_YEARS} ahead`,
        basis: "certdrill-clock redirects the Go programs' vDSO real-time reads to add the member's offset",
        check: (q, _, { twoYearsPass }) => etcdLogsAhead(q, { jump: twoYearsPass, spec: TWO_YEARS, seconds: TWO_YEARS_SECONDS }),
      },
      {
        id: 'healthy-after-year',
        title: `a year on (${YEAR}), every member is Healthy in /readyz/etcd and in kubectl get cs`,
        basis: "the two-year certificates are half-way through their lifetime by every member's clock",
        answer: { pass: 'so a year on the cluster is Healthy', fail: 'yet a year on the cluster was not Healthy' },
        check: (q, _, { yearPasses, twoYearsPass }) => {
          const window = windowAfter(q, yearPasses, twoYearsPass);
          return healthyInBothViews(q, window, 'a year on');
        },
      },
      {
        id: 'unhealthy-after-two-years',
        title: `two years on (${TWO_YEARS}), nothing restarted, kubectl get cs shows every member Unhealthy`,
        basis: `etcd-manager ${version} reissues certificates only when it starts etcd (its start, an etcd child that exited, join, reconfigure), never on a timer (pkg/etcd etcdserver.go; ../shared/third-party/etcd-manager/SOURCES.md); each get cs is a new TLS handshake (RFC 5280 6.1.3). The kops advisory says newer versions "automatically request new certificates before expiration"`,
        answer: {
          pass: `Left alone, it renews nothing: two years on every member is Unhealthy in kubectl get cs, contradicting the kops advisory's "automatically request new certificates before expiration", which holds only for clusters that restart`,
          fail: 'Two years on, left alone, kubectl get cs did not show every member Unhealthy',
        },
        check: (q, _, { twoYearsPass, managerRestart }) =>
          everyHealthSample(q, MEMBERS, {
            window: windowAfter(q, twoYearsPass, managerRestart),
            view: 'componentstatus',
            healthy: false,
            label: 'two years on',
          }),
      },
      {
        id: 'no-renewal-while-running',
        title: "from the start to the restart, through both jumps, no member's certificate changes",
        basis: 'no timer renews them (see unhealthy-after-two-years)',
        answer: { pass: 'no certificate changed while it ran', fail: 'a certificate changed while it ran, nothing restarted' },
        check: (q, _, { healthy, managerRestart }) =>
          parts(
            ...files.map((file) =>
              noNewCertificate(q, MEMBERS, file, {
                window: { after: q.step(healthy).t, before: q.step(managerRestart).startedAt },
                label: 'while it ran',
              }),
            ),
          ),
      },
      {
        id: 'restart-renews-everything',
        title: `restarted two years on, etcd-manager ${version} writes new peers/me.crt, clients/server.crt and etcd-manager-server-<id>, each valid ${TWO_YEARS_DAYS} days from the members' clock`,
        basis: `etcd-manager ${version} reissues at start whatever has less than CertMinTimeLeft left (pkg/pki); measured with ETCD_MANAGER_CERT_DURATION=100s in ../shared/third-party/etcd-manager/SOURCES.md`,
        answer: {
          pass: `Restarting etcd-manager renews the member certificates and its own in --pki-dir, two years from the members' clock`,
          fail: 'Restarting etcd-manager did not renew every certificate',
        },
        check: (q, _, { managerRestart }) =>
          parts(
            ...files.map((file) =>
              newCertificateFor(q, MEMBERS, file, {
                window: { after: q.step(managerRestart).startedAt },
                days: TWO_YEARS_DAYS,
                aheadMs: TWO_YEARS_SECONDS * 1000,
                label: 'after the restart',
              }),
            ),
          ),
      },
      {
        id: 'healthy-and-led-after-restart',
        title: "after the restart every member is Healthy in /readyz/etcd and kubectl get cs, and the managers' mesh elects a leader",
        basis: "new certificates, valid by every member's clock, signed by the CAs every member trusts",
        answer: { pass: "and etcd is Healthy with the managers' mesh led", fail: "but etcd or the managers' mesh did not come back" },
        check: (q, _, { managerRestart, recovered }) =>
          parts(
            healthyAfter(q, { wait: recovered, from: managerRestart, label: 'after the restart' }),
            managersMesh(q, { window: { after: q.step(managerRestart).startedAt }, leader: true, label: 'after the restart' }),
          ),
      },
    ],
  });
}
