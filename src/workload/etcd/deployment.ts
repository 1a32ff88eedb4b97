import { certificateSummary, uniqueByName } from '../certificates.js';
import type { CertificateSummary, Deployment, RestartPlan } from '../workload.js';
import type { NodeAccess, Probe } from '../../observe/probe.js';
import { masterProbes, masterSpec, memberVolume } from './manager/master.js';
import type { EtcdManagerVersion } from './manager/versions.js';
import { EtcdProbes, etcdMemberSpec } from './member.js';
import type { EtcdClusterSetup, EtcdMemberSetup, EtcdSetup } from './setup.js';

/**
 * A restarted etcd member gets nothing from the scenario but a clock: on a
 * real etcd-manager's cluster its certificates are etcd-manager's to issue
 * (see `restartManager`); on a hand-issued one they stay as forged.
 */
export type EtcdRestart = Record<never, never>;

export interface EtcdDeployment extends Deployment<EtcdRestart> {
  /** The etcd-manager version a member runs; undefined on a hand-issued cluster. */
  managerOf(node: string): EtcdManagerVersion | undefined;
  /** Where a member's data volume is mounted (/mnt/master-vol-<id>). */
  volumeOf(node: string): string;
  /** Whether the scenario forged both member certificates for a real etcd-manager's member (staged for installForgedCertificates). */
  hasForgedCertificates(node: string): boolean;
}

/**
 * The members of each cluster: on a real etcd-manager's cluster a kops master
 * (etcd-manager, etcd and kube-apiserver; ./manager), which issues its own
 * certificates; on a hand-issued one etcd alone with the certificates certdrill forged.
 */
export function deployEtcd({ clusters }: EtcdSetup): EtcdDeployment {
  const members = new Map<string, { cluster: EtcdClusterSetup; member: EtcdMemberSetup }>();
  for (const cluster of clusters) for (const member of cluster.members) members.set(member.name, { cluster, member });
  const managerOf = (node: string) => {
    const manager = members.get(node)?.cluster.manager;
    return manager === undefined || manager === 'hand-issued' ? undefined : manager;
  };
  const handIssued = clusters.filter((c) => c.manager === 'hand-issued');
  const real = clusters.filter((c) => c.manager !== 'hand-issued');
  return {
    nodes: [...members.keys()],
    probes: probesFor(handIssued, real, managerOf),
    managerOf,
    volumeOf: (node) => memberVolume(members.get(node)!.member),
    hasForgedCertificates: (node) => Boolean(managerOf(node) && members.get(node)?.member.peerCert && members.get(node)?.member.serverCert),
    start: () => ({
      specs: [...members.values()].map(({ cluster, member }) =>
        cluster.manager === 'hand-issued'
          ? etcdMemberSpec(cluster, member, { peerCert: member.peerCert!, serverCert: member.serverCert! })
          : masterSpec(cluster, member, cluster.manager),
      ),
      // A real etcd-manager's certificates are recorded as the members hold and serve them (the certificates probe).
      issued: [],
    }),
    certificates: () => clusters.flatMap((cluster) => clusterCertificates(cluster, clusters.length > 1)),
    clocks: () => [...members.values()].map(({ member }) => ({ node: member.name, spec: member.clock ?? '+0' })),
    forged: () =>
      uniqueByName(
        clusters.flatMap((c) => [
          c.peersCa,
          c.clientsCa,
          c.client,
          c.etcdctl,
          ...(c.managerCa ? [c.managerCa] : []),
          ...(c.serviceAccount ? [c.serviceAccount] : []),
          ...c.members.flatMap((m) =>
            m.peerCert && m.serverCert
              ? [
                  { ...m.peerCert, name: `${m.name}-peer` },
                  { ...m.serverCert, name: `${m.name}-server` },
                ]
              : [],
          ),
        ]),
      ),
    // A pod recreated keeps its volume: etcd-manager finds its certificates there, hand-issued ones stay as forged.
    onRestart: (): RestartPlan => ({ issued: [] }),
  };
}

function clusterCertificates(cluster: EtcdClusterSetup, several: boolean): CertificateSummary[] {
  const names = cluster.members.map((m) => m.name).join(', ');
  const label = several ? ` (${cluster.name} cluster, etcd-manager ${cluster.manager})` : '';
  const realManager = cluster.manager !== 'hand-issued';
  return [
    certificateSummary(cluster.peersCa, `etcd-peers-ca, trusted by ${names} for peers${label}`),
    certificateSummary(cluster.clientsCa, `etcd-clients-ca, trusted by ${names} for clients${label}`),
    ...(cluster.managerCa ? [certificateSummary(cluster.managerCa, `etcd-manager-ca, signs the etcd-managers' gRPC certificates${label}`)] : []),
    certificateSummary(
      cluster.client,
      realManager
        ? `kube-apiserver's etcd client certificate (etcd-client.crt, issued apart from etcd-manager, as nodeup does)${label}`
        : `client certificate of the API server's view and etcdctl${label}`,
    ),
    ...(realManager
      ? [certificateSummary(cluster.etcdctl, `certdrill's etcdctl client certificate (long-lived: raft's view never depends on it)${label}`)]
      : []),
    ...cluster.members.flatMap((m) =>
      m.peerCert && m.serverCert
        ? [
            certificateSummary(
              m.peerCert,
              `peers/me.crt of ${m.name}, ${realManager ? 'forged, for installForgedCertificates' : 'hand-issued'}${label}`,
              `${m.name} peer`,
            ),
            certificateSummary(
              m.serverCert,
              `clients/server.crt of ${m.name}, ${realManager ? 'forged, for installForgedCertificates' : 'hand-issued'}${label}`,
              `${m.name} server`,
            ),
          ]
        : [],
    ),
  ];
}

/** One probe list for every member: each probe asks a member the way its cluster is run. */
function probesFor(handIssued: EtcdClusterSetup[], real: EtcdClusterSetup[], managerOf: (node: string) => EtcdManagerVersion | undefined): Probe[] {
  if (!real.length) return [...new EtcdProbes(handIssued).probes];
  const masters = masterProbes(real, managerOf);
  if (!handIssued.length) return masters;
  const fallback = new Map(new EtcdProbes(handIssued).probes.map((p) => [p.name, p]));
  return masters.map((probe) => ({
    ...probe,
    sample: (node: string, access: NodeAccess) => {
      if (managerOf(node)) return probe.sample(node, access);
      return fallback.get(probe.name)?.sample(node, access) ?? Promise.resolve([]);
    },
  }));
}
