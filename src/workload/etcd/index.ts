import type { StepHandle } from '../../observe/query.js';
import { defineWorkload, listOf, readLibcClock, type IncidentQuestion, type OperationHost } from '../workload.js';
import { deployEtcd, type EtcdDeployment } from './deployment.js';
import { ETCD_MANAGER_AXIS, ETCD_MANAGER_VERSIONS, kopsMasterImage } from './manager/versions.js';
import { apiserverStartedScript, FORGED_DIR, PKI_DIR } from './manager/master.js';
import { classifyEtcdLogLine } from './logs.js';
import { ETCD_IMAGE, etcdVersions } from './member.js';
import { ETCD_ATTRIBUTES, etcdView } from './view.js';

export {
  INCIDENT_ISSUANCE,
  incidentCertsAsManagerIssues,
  incidentMemberCert,
  kopsEtcdCluster,
  memberCert,
  type EtcdClusterSetup,
  type EtcdMemberSetup,
  type EtcdSetup,
  type ManagerMode,
} from './setup.js';
export { KOPS_MASTERS_CORES } from './manager/master.js';
export type { EtcdRestart } from './deployment.js';
export type { EtcdClusterView } from './view.js';
export type { EtcdView } from './member.js';

const INCIDENT = 'kops etcd (etcd-manager)';

/** The questions the kops etcd incident raised (../shared/design.md), and the scenarios that answer them. */
const QUESTIONS: IncidentQuestion[] = [
  {
    incident: INCIDENT,
    question: 'Why did etcd go Unhealthy when the member certificates expired?',
    scenarios: ['etcd-peer-certs-expired', 'etcd-client-cert-expired'],
  },
  {
    incident: INCIDENT,
    question: 'What happens at the moment the certificates of a running cluster expire?',
    scenarios: ['etcd-certs-expire-while-running'],
  },
  {
    incident: INCIDENT,
    question:
      'What happens when a year passes under the one-year certificates the real legacy etcd-manager (3.0.20200116) issued, does restarting etcd-manager fix it, and what does?',
    scenarios: ['etcd-certs-expire-in-time'],
  },
  {
    incident: INCIDENT,
    question: "Where the masters were replaced during the year (as in the seed), what does the legacy etcd-manager's mitigation take?",
    scenarios: ['etcd-certs-expire-masters-replaced'],
  },
  {
    incident: INCIDENT,
    question:
      "Would a newer etcd-manager have avoided it: does the kops advisory's fixed version (3.0.20200428), or today's, renew its certificates before they expire, or only when it restarts?",
    scenarios: ['etcd-fixed-manager-left-alone', 'etcd-current-manager-left-alone'],
  },
  {
    incident: INCIDENT,
    question: 'Can the expiry be rehearsed on etcd by moving its clock, with libfaketime or with certdrill-clock?',
    scenarios: ['etcd-faketime-has-no-effect'],
  },
  { incident: INCIDENT, question: "When one member's clock runs a year ahead, who rejects whom?", scenarios: ['etcd-member-clock-skew'] },
];

/** What a scenario can do to etcd beyond restarting a member. */
export interface EtcdOperations {
  /**
   * Restarts etcd-manager (and the etcd it started) on these members, as
   * restarting its container does: what it then does with the certificates
   * on the volume is the real version's to decide, and the timeline records it.
   */
  restartManager(nodes: readonly string[], options?: { id?: string }): Promise<StepHandle>;
  /**
   * Deletes the member certificates etcd-manager keeps on these members'
   * volumes (peers/me.crt and clients/server.crt with their keys), as kops'
   * mitigation for an expired legacy cluster has an operator do before the
   * restart: a legacy etcd-manager writes new ones only where none exist.
   */
  removeMemberCertificates(nodes: readonly string[], options?: { id?: string }): Promise<StepHandle>;
  /**
   * Deletes etcd-manager's own certificates in --pki-dir on these members
   * (etcd-manager-server-<id> and -client-<id>, which its gRPC mesh uses),
   * the CAs kept: what a master whose root disk is replaced starts with, and
   * the rest of the mitigation where they expired with the member certificates.
   */
  removeManagerCertificates(nodes: readonly string[], options?: { id?: string }): Promise<StepHandle>;
  /**
   * Writes the member certificates the scenario forged for these members
   * (the cluster's `peerCert` and `serverCert`) over peers/me and
   * clients/server on their volumes, keys included: how certificates of
   * another origin (the incident's, a restored backup's) come to be where
   * etcd-manager looks. The folder is named by the cluster's token, made when
   * the cluster first formed, so this runs on a formed cluster; what
   * etcd-manager does with them when it next starts is its own.
   */
  installForgedCertificates(nodes: readonly string[], options?: { id?: string }): Promise<StepHandle>;
  /**
   * Restarts kube-apiserver on these members (it is restarted as it exits,
   * as kubelet restarts a static pod's container): it dials etcd anew, with
   * the client certificate it has.
   */
  restartApiserver(nodes: readonly string[], options?: { id?: string }): Promise<StepHandle>;
  /**
   * Waits until kube-apiserver on these masters has finished starting (its
   * full /readyz ok, post-start hooks included), two minutes at most; the
   * step fails otherwise. Move clocks only after it.
   */
  waitApiserverStarted(nodes: readonly string[], options?: { id?: string }): Promise<StepHandle>;
}

/** The program in a kops master's image that restarts its etcd-manager (image/bin/restart-etcd-manager). */
const RESTART_MANAGER = ['/certdrill/bin/restart-etcd-manager'];
/**
 * SIGTERM, as kubelet stops it, then wait until the old process is gone: for
 * seconds of graceful shutdown it still answers /readyz/etcd over its old
 * connection, and the step's end must mean only the new process can answer.
 */
const RESTART_APISERVER = `pids=$(pgrep -x kube-apiserver) || { echo "kube-apiserver is not running"; exit 1; }
kill $pids
for p in $pids; do
  i=0
  while [ -d /proc/$p ]; do
    i=$((i+1)); [ $i -le 600 ] || { echo "kube-apiserver $p did not exit within 60 s of SIGTERM"; exit 1; }
    sleep 0.1
  done
done`;

function etcdOperations(host: OperationHost, deployment: EtcdDeployment): EtcdOperations {
  /** Runs `command` in every node at once and records one step; a real etcd-manager's members only. */
  const inEachMaster = async (
    operation: string,
    nodes: readonly string[],
    command: (node: string) => string[],
    step: { id: string; title: string },
  ): Promise<StepHandle> => {
    const handIssued = nodes.filter((node) => !deployment.managerOf(node));
    if (handIssued.length)
      throw new Error(
        `${operation}: ${listOf(handIssued)} run(s) no etcd-manager (a hand-issued cluster): give the cluster a real etcd-manager version (manager: '3.0.20200116', ...)`,
      );
    const startedAt = new Date().toISOString();
    const results = await Promise.all(nodes.map(async (node) => ({ node, result: await host.exec(node, command(node)) })));
    const failed = results.filter((r) => r.result.exitCode !== 0);
    return host.step({
      ...step,
      startedAt,
      nodes: [...nodes],
      outcome: failed.length ? 'failed' : 'done',
      ...(failed.length
        ? { detail: failed.map((f) => `${f.node}: ${(f.result.stderr || f.result.stdout).trim() || `exit ${f.result.exitCode}`}`).join('; ') }
        : {}),
    });
  };
  const versions = (nodes: readonly string[]) => listOf([...new Set(nodes.map((n) => deployment.managerOf(n) ?? 'none'))]);
  return {
    restartManager: (nodes, options = {}) =>
      inEachMaster('restartManager', nodes, () => RESTART_MANAGER, {
        id: options.id ?? 'restart-manager',
        title: `restart etcd-manager on ${listOf(nodes)} (etcd-manager ${versions(nodes)}): what it does with the certificates on the volume is its own`,
      }),
    removeMemberCertificates: (nodes, options = {}) =>
      inEachMaster('removeMemberCertificates', nodes, (node) => ['sh', '-c', removeCertificatesScript(deployment.volumeOf(node))], {
        id: options.id ?? 'remove-member-certificates',
        title: `delete peers/me.{crt,key} and clients/server.{crt,key} on the volumes of ${listOf(nodes)}, the CAs kept`,
      }),
    removeManagerCertificates: (nodes, options = {}) =>
      inEachMaster('removeManagerCertificates', nodes, () => ['sh', '-c', removeManagerCertificatesScript()], {
        id: options.id ?? 'remove-manager-certificates',
        title: `delete etcd-manager's own etcd-manager-server-* and etcd-manager-client-* in --pki-dir on ${listOf(nodes)}, the CAs kept`,
      }),
    installForgedCertificates: (nodes, options = {}) => {
      const unforged = nodes.filter((node) => !deployment.hasForgedCertificates(node));
      if (unforged.length)
        throw new Error(
          `installForgedCertificates: no forged member certificates for ${listOf(unforged)}: give kopsEtcdCluster peerCert and serverCert`,
        );
      return inEachMaster('installForgedCertificates', nodes, (node) => ['sh', '-c', installForgedScript(deployment.volumeOf(node))], {
        id: options.id ?? 'install-forged-certificates',
        title: `write the forged peers/me and clients/server (certificates and keys) over those on the volumes of ${listOf(nodes)}`,
      });
    },
    waitApiserverStarted: (nodes, options = {}) =>
      inEachMaster('waitApiserverStarted', nodes, () => ['sh', '-c', apiserverStartedScript(120)], {
        id: options.id ?? 'apiserver-started',
        title: `wait until kube-apiserver on ${listOf(nodes)} has finished starting (/readyz ok, post-start hooks included)`,
      }),
    restartApiserver: (nodes, options = {}) =>
      inEachMaster('restartApiserver', nodes, () => ['sh', '-c', RESTART_APISERVER], {
        id: options.id ?? 'restart-apiserver',
        title: `restart kube-apiserver on ${listOf(nodes)}: it dials etcd anew with the client certificate it has`,
      }),
  };
}

/** The forged certificates staged in the node, over those in each of the volume's cluster folders; fails where there is none yet. */
function installForgedScript(volume: string): string {
  return `set -e
dirs=$(find ${volume}/pki -mindepth 1 -maxdepth 1 -type d)
[ -n "$dirs" ] || { echo "no cluster folder under ${volume}/pki yet: the cluster has not formed"; exit 1; }
for d in $dirs; do
  for f in peers/me clients/server; do
    install -m 644 ${FORGED_DIR}/$f.crt "$d/$f.crt"
    install -m 600 ${FORGED_DIR}/$f.key "$d/$f.key"
  done
  echo "$d"
done`;
}

/** etcd-manager's own key pairs in --pki-dir; its CAs (etcd-*-ca.*) stay. */
function removeManagerCertificatesScript(): string {
  return `find ${PKI_DIR} \\( -name 'etcd-manager-server-*' -o -name 'etcd-manager-client-*' \\) -print -delete`;
}

/** The member certificates under a volume's pki folders; the CAs (ca.crt) stay. */
function removeCertificatesScript(volume: string): string {
  return `find ${volume}/pki \\( -path '*/peers/me.*' -o -path '*/clients/server.*' \\) -print -delete`;
}

/**
 * kops-style etcd (image in ./image): members whose certificates sit where
 * etcd-manager keeps them, seen as the API server and etcdctl see them.
 */
export const etcd = defineWorkload({
  name: 'etcd',
  image: ETCD_IMAGE,
  moreImages: ETCD_MANAGER_VERSIONS.map((version) => ({ name: `kops master, etcd-manager ${version}`, image: kopsMasterImage(version) })),
  questions: QUESTIONS,
  versionsBySuite: { bookworm: 'etcd 3.4', trixie: 'etcd 3.5' },
  axes: [ETCD_MANAGER_AXIS],
  rehearsal: new URL('./rehearse/rehearsal.js', import.meta.url).href,
  attributes: ETCD_ATTRIBUTES,
  classifyLogLine: classifyEtcdLogLine,
  versions: etcdVersions,
  // Under certdrill-clock (members' default) `date` reads what etcd reads; under libfaketime only what libfaketime
  // was told, as etcd ignores it (Go reads the vDSO).
  readClock: readLibcClock,
  deploy: deployEtcd,
  view: etcdView,
  operations: etcdOperations,
});
