import type { ExpectationResult } from '../src/scenario/types.js';
import { unknown, verdictOf } from '../src/scenario/verdict.js';
import { defineScenario } from '../src/scenario/types.js';
import { everyHealthSample } from '../src/scenario/checks.js';
import { etcd, kopsEtcdCluster, memberCert } from '../src/workload/etcd/index.js';

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
const SKEWED = 'etcd-c';
const SKEW = '+2y';
const YEAR_MS = 365 * 86_400_000;

export default defineScenario({
  name: 'etcd-faketime-has-no-effect',
  workload: etcd,
  description: `kops-style etcd with one-year certificates; ${SKEWED} runs under libfaketime with its clock ${SKEW}. If etcd saw that clock, every certificate would look expired to it.`,
  question: 'Can libfaketime move the clock etcd uses to validate certificates?',

  async setup(reference) {
    return {
      cluster: {
        clusters: [await kopsEtcdCluster({ reference, manager: 'legacy', clock: (m) => (m === SKEWED ? SKEW : undefined), peerCert: (m, ca) => memberCert(m, ca, reference), serverCert: (m, ca) => memberCert(m, ca, reference) })],
      },
    };
  },

  async run(s) {
    await s.waitFor('healthy', 'wait until every member is Healthy in both views', (view) => view.allHealthy() && view.allHealthy(s.nodes, 'etcdctl'), { timeoutMs: 25_000 });
    await s.readLibcClock(SKEWED);
    await s.observe({ minMs: 2_000, maxMs: 4_000, stableSamples: 4 }, `does ${SKEWED} stay in the cluster?`);
  },

  answer: [
    { expectation: 'libfaketime-active', pass: 'libfaketime moved a libc program\'s clock', fail: 'libfaketime did not move even a libc program\'s clock' },
    { expectation: 'etcd-keeps-real-time', pass: 'No: it did not move etcd\'s', fail: 'etcd\'s clock moved' },
    { expectation: 'skewed-member-validates-by-real-time', pass: 'The skewed member validated its peers by real time and the cluster stayed Healthy', fail: 'The cluster did not stay Healthy' },
  ],

  expectations: [
    {
      id: 'libfaketime-active',
      title: `libfaketime is active in ${SKEWED}: a libc program there reads a clock ${SKEW} ahead`,
      basis: 'LD_PRELOAD of libfaketime with the clock file, as on every certdrill node',
      check: (q): ExpectationResult => {
        const reading = q.logs({ node: SKEWED, topic: 'libc-clock' })[0];
        if (!reading?.nodeTime) return unknown('no clock reading from date', reading ? [reading] : []);
        const years = (Date.parse(reading.nodeTime) - Date.parse(reading.t)) / YEAR_MS;
        return { verdict: verdictOf(Math.abs(years - 2) < 0.01), observed: `date read ${years.toFixed(3)} years ahead of real time`, evidence: [reading] };
      },
    },
    {
      id: 'etcd-keeps-real-time',
      title: `etcd in ${SKEWED} stamps its log with real time, not its faked clock`,
      basis: 'Go reads the time through the vDSO, not through libc, so LD_PRELOAD cannot reach it',
      check: (q): ExpectationResult => {
        const lines = q.records.filter((r) => (r.kind === 'log' || r.kind === 'alert') && r.node === SKEWED && r.nodeTime && !(r.kind === 'log' && r.topic === 'libc-clock'));
        if (lines.length === 0) return unknown(`no time-stamped log line from ${SKEWED}`);
        const worst = Math.max(...lines.map((r) => Math.abs(Date.parse((r as { nodeTime: string }).nodeTime) - Date.parse(r.t))));
        return { verdict: verdictOf(worst < 60_000), observed: `all ${lines.length} time-stamped lines within ${(worst / 1000).toFixed(1)} s of real time`, evidence: [lines[0]!, lines[lines.length - 1]!] };
      },
    },
    {
      id: 'skewed-member-validates-by-real-time',
      title: `${SKEWED} accepts its peers\' one-year certificates and the cluster stays Healthy`,
      basis: 'certificates are checked against the real clock, where they are valid',
      check: (q) => everyHealthSample(q, MEMBERS, { after: q.step('healthy').t }, 'etcdctl', true, 'after the cluster formed'),
    },
  ],
});
