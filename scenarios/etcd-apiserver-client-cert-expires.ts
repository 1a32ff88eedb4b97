import { sampleInWindow } from '../src/observe/query.js';
import { everyHealthSample, windowAfter } from '../src/scenario/checks.js';
import type { ExpectationResult } from '../src/scenario/types.js';
import { fail, pass } from '../src/scenario/verdict.js';
import { defineScenario } from '../src/scenario/types.js';
import { etcd, kopsEtcdCluster, KOPS_MASTERS_CORES } from '../src/workload/etcd/index.js';
import { isKubeApiserverLine } from '../src/workload/etcd/logs.js';
import {
  eachMasterLogs,
  etcdLogsAhead,
  healthyInBothViews,
  LEGACY as VERSION,
  MEMBERS,
  parts,
  readinessRidesOldConnection,
  RIDE_MS,
  formed,
} from './kops/legacy-year.js';

/** kube-apiserver's etcd client certificate lives this long; the members' own are etcd-manager's, for a year. */
const CLIENT_VALID_FOR = '30d';
/** A month and a day: past the client certificate, well inside the members'. */
const JUMP = '+31d';
const JUMP_SECONDS = 31 * 86_400;

const fromEtcd = (line: string) => !isKubeApiserverLine(line) && !/^[IWEF]\d{4} /.test(line);

export default defineScenario({
  name: 'etcd-apiserver-client-cert-expires',
  summary: "kube-apiserver's own etcd client certificate expires while etcd is healthy.",
  workload: etcd,
  cores: KOPS_MASTERS_CORES,
  description:
    `kube-apiserver's own etcd client certificate (kops: /etc/kubernetes/pki/kube-apiserver/etcd-client.crt, nodeup's, not etcd-manager's) expires while etcd is healthy: three kops masters on the real etcd-manager ${VERSION}, ` +
    `kube-apiserver's client certificate issued for ${CLIENT_VALID_FOR}; every master's clock jumps ${JUMP} while running; then kube-apiserver restarts, as a kubelet or a node reboot restarts it.`,
  question:
    "When kube-apiserver's etcd client certificate expires while etcd is healthy, what do kube-apiserver's views say, does it start again, and which log says why?",

  async setup(reference) {
    return { cluster: { clusters: [await kopsEtcdCluster({ reference, manager: VERSION, clientValidFor: CLIENT_VALID_FOR })] } };
  },

  async run(s) {
    const healthy = await formed(s);
    // kube-apiserver's post-start hooks run for seconds after it serves: let them finish before the clocks move.
    await s.observe({ minMs: 20_000, maxMs: 25_000, stableSamples: 3 }, 'Healthy at the start, kube-apiserver done starting');
    const monthPasses = await s.jumpClocks(MEMBERS, JUMP, { id: 'month-passes' });
    // Longer than kube-apiserver's 20 s etcd dial, which each get cs waits out: several answers per member.
    await s.observe(
      { minMs: 45_000, maxMs: 50_000, stableSamples: 4 },
      "a month on: kube-apiserver's client certificate has expired, the members' have not",
    );
    const apiserverRestart = await s.restartApiserver(MEMBERS, { id: 'restart-apiserver' });
    // The step ends when the old kube-apiserver has shut down; the new one gives its storage ~20 s: long enough to see it try twice.
    await s.observe({ minMs: 50_000, maxMs: 55_000, stableSamples: 6 }, 'restarted: does kube-apiserver serve again?');
    return { healthy, monthPasses, apiserverRestart };
  },

  expectations: [
    {
      id: 'healthy-before',
      title: 'every member is Healthy in /readyz/etcd and in kubectl get cs before the month passes',
      basis: `kube-apiserver's client certificate is ${CLIENT_VALID_FOR} long and seconds old`,
      check: (q, _, { healthy, monthPasses }) =>
        healthyInBothViews(q, { after: q.step(healthy).t, before: q.step(monthPasses).startedAt }, 'before the jump'),
    },
    {
      id: 'clocks-moved',
      title: `after the jump every member's clock reads ${JUMP}, and etcd stamps its own log lines ${JUMP} ahead`,
      basis: "certdrill-clock redirects the Go programs' vDSO real-time reads to add the member's offset",
      check: (q, _, { monthPasses }) => etcdLogsAhead(q, { jump: monthPasses, spec: JUMP, seconds: JUMP_SECONDS }),
    },
    {
      id: 'etcd-healthy-throughout',
      title: 'etcdctl endpoint health is Healthy on every member after the jump, before and after kube-apiserver restarts',
      basis: `the members' certificates are etcd-manager ${VERSION}'s, for 365 days, and certdrill's etcdctl has its own long-lived client certificate: nothing raft or etcdctl uses has expired`,
      answer: { pass: 'etcd itself stays Healthy throughout (etcdctl, with its own certificate)', fail: 'etcd itself did not stay Healthy' },
      check: (q, _, { monthPasses }) =>
        everyHealthSample(q, MEMBERS, { window: windowAfter(q, monthPasses), view: 'etcdctl', healthy: true, label: 'after the jump' }),
    },
    {
      id: 'views-split-after-expiry',
      title: `a month on, kubectl get cs shows every member Unhealthy while /readyz/etcd answers ok on every member for at least the first ${RIDE_MS / 1000} s`,
      basis:
        "etcd verifies a client's certificate at each TLS handshake, by its own clock (RFC 5280 6.1.3): get cs builds a new etcd client per request (kube-apiserver pkg/registry/core/componentstatus/validator.go), presenting the expired certificate; /readyz/etcd probes over one client dialled at start (k8s.io/apiserver storagebackend/factory/etcd3.go, newETCD3Check)",
      answer: {
        pass: "Once kube-apiserver's client certificate has expired, kubectl get cs says Unhealthy while /readyz/etcd goes on saying ok: readiness rides the connection made before the expiry",
        fail: "The running kube-apiserver's views did not split as predicted once its client certificate expired",
      },
      check: (q, _, { monthPasses, apiserverRestart }) => readinessRidesOldConnection(q, monthPasses, apiserverRestart),
    },
    {
      id: 'restarted-apiserver-never-serves',
      title:
        'restarted with the expired client certificate, kube-apiserver never serves again: no member\'s kube-apiserver logs "Serving securely" after the restart, each logs "Error creating leases" and exits, and no /readyz/etcd probe is answered ok',
      basis:
        'kube-apiserver creates its storage before it serves (the master leases: "Error creating leases", fatal once its storage dial gives up); every new dial presents the expired certificate, which etcd refuses. Measured once before this scenario: a real kube-apiserver v1.33 never served and exited after about 20 s',
      answer: {
        pass: 'Restarted, kube-apiserver never serves again: it exits with "Error creating leases" and starts again, over and over',
        fail: 'Restarted, kube-apiserver served again, or did not exit as predicted',
      },
      check: (q, _, { apiserverRestart }) => {
        const window = windowAfter(q, apiserverRestart);
        const served = q.records.filter(
          (r) =>
            (r.kind === 'log' || r.kind === 'alert') &&
            MEMBERS.includes(r.node) &&
            r.text.includes('Serving securely on') &&
            sampleInWindow(r, window),
        );
        const ok = q.states({ ...window, view: 'apiserver', ok: true }).filter((s) => MEMBERS.includes(s.node));
        const probes = q.states({ ...window, view: 'apiserver' }).filter((s) => MEMBERS.includes(s.node));
        const why = [...new Set(probes.map((s) => s.error ?? ''))].slice(0, 3).join('; ');
        const never: ExpectationResult = served.length
          ? fail(
              `${[...new Set(served.map((r) => (r as { node: string }).node))].join(', ')}'s kube-apiserver logged "Serving securely on" after the restart`,
              served.slice(0, 3),
            )
          : ok.length
            ? fail(`${ok[0]!.node}'s /readyz/etcd answered ok after the restart`, ok.slice(0, 3))
            : pass(
                `no kube-apiserver logged "Serving securely on" after the restart, and none of the ${probes.length} /readyz/etcd probes was answered ok (${why})`,
                probes.slice(0, 2),
              );
        return parts(
          never,
          eachMasterLogs(q, { window, text: 'Error creating leases', label: 'from kube-apiserver after the restart', from: isKubeApiserverLine }),
          eachMasterLogs(q, { window, text: 'kube-apiserver exited', label: 'after the restart' }),
        );
      },
    },
    {
      id: 'only-etcd-says-expired',
      title:
        'etcd logs why on every member: it rejects the connections from 127.0.0.1 (kube-apiserver) because their client certificate "has expired"',
      basis:
        'etcd (Go crypto/tls, as server) verifies the client certificate and logs the x509 error in its "rejected connection" line; the client learns only the TLS alert it is sent (RFC 8446 6.2), which Go before 1.21 always sends as bad_certificate',
      answer: {
        pass: "etcd's own log says why: it rejects kube-apiserver's dials from 127.0.0.1 because the client certificate has expired",
        fail: "etcd's log did not name the expired client certificate",
      },
      check: (q, _, { monthPasses }) => {
        const window = windowAfter(q, monthPasses);
        const said = eachMasterLogs(q, { window, text: 'certificate has expired', label: 'on its client port after the jump', from: fromEtcd });
        const apiserverWords = [
          ...new Set(
            q
              .alerts(window)
              .filter((a) => MEMBERS.includes(a.node) && isKubeApiserverLine(a.text))
              .map((a) => /remote error: tls: [a-z ]+/.exec(a.text)?.[0])
              .filter(Boolean),
          ),
        ];
        const expiredInApiserver = q
          .alerts(window)
          .filter((a) => MEMBERS.includes(a.node) && isKubeApiserverLine(a.text) && /expired/.test(a.text)).length;
        return {
          ...said,
          observed: `${said.observed}; kube-apiserver's own lines say ${apiserverWords.length ? apiserverWords.map((w) => `"${w}"`).join(', ') : 'no TLS alert'}, ${expiredInApiserver ? `and ${expiredInApiserver} of them name an expiry` : 'and none names an expiry'}`,
        };
      },
    },
  ],
});
