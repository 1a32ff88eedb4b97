import { certificateSummary, issuedCertificate, uniqueByName } from '../certificates.js';
import type { Deployment, IssuedCertificate, RestartPlan } from '../workload.js';
import { EtcdCertManager, type Occasion } from './cert-manager.js';
import { EtcdProbes, etcdMemberSpec, memberPkiFiles } from './member.js';
import type { EtcdClusterSetup, EtcdMemberSetup, EtcdSetup, MemberCerts } from './setup.js';

/**
 * A restarted etcd member gets nothing from the scenario but a clock: its
 * certificates are etcd-manager's to issue (see `restartManager`).
 */
export type EtcdRestart = Record<never, never>;

export interface EtcdDeployment extends Deployment<EtcdRestart> {
  /** Restarting etcd-manager on a member regenerates its certificates. */
  onManagerRestart(node: string, now: Date): RestartPlan;
}

export function deployEtcd({ clusters }: EtcdSetup): EtcdDeployment {
  const members = new Map<string, { cluster: EtcdClusterSetup; member: EtcdMemberSetup; manager: EtcdCertManager }>();
  for (const cluster of clusters) {
    const manager = new EtcdCertManager(cluster);
    for (const member of cluster.members) members.set(member.name, { cluster, member, manager });
  }
  const plan = (node: string, occasion: Occasion, now: Date): RestartPlan => {
    const { cluster, member, manager } = members.get(node)!;
    const fresh = manager.reissue(member, occasion, now);
    if (!fresh) return { issued: [] };
    return { files: memberPkiFiles(cluster, member, fresh), issued: issuedRecords(member, fresh) };
  };
  return {
    nodes: [...members.keys()],
    probes: new EtcdProbes(clusters).probes,
    start: (now) => {
      const issued: IssuedCertificate[] = [];
      const specs = [...members.values()].map(({ cluster, member, manager }) => {
        const fresh = manager.reissue(member, 'start', now);
        if (fresh) issued.push(...issuedRecords(member, fresh));
        return etcdMemberSpec(cluster, member, manager.certs(member.name));
      });
      return { specs, issued };
    },
    certificates: () =>
      clusters.flatMap((cluster) => {
        const names = cluster.members.map((m) => m.name).join(', ');
        const label = clusters.length > 1 ? ` (${cluster.name} cluster, etcd-manager ${cluster.manager})` : '';
        return [
          certificateSummary(cluster.peersCa, `etcd-peers-ca, trusted by ${names} for peers${label}`),
          certificateSummary(cluster.clientsCa, `etcd-clients-ca, trusted by ${names} for clients${label}`),
          certificateSummary(cluster.client, `client certificate of kube-apiserver and etcdctl${label}`),
          ...cluster.members.flatMap((m) => [
            certificateSummary(m.peerCert, `peers/me.crt of ${m.name}${label}`, `${m.name} peer`),
            certificateSummary(m.serverCert, `clients/server.crt of ${m.name}${label}`, `${m.name} server`),
          ]),
        ];
      }),
    clocks: () => [...members.values()].map(({ member }) => ({ node: member.name, spec: member.clock ?? '+0' })),
    forged: () =>
      uniqueByName(
        clusters.flatMap((c) => [c.peersCa, c.clientsCa, c.client, ...c.members.flatMap((m) => [{ ...m.peerCert, name: `${m.name}-peer` }, { ...m.serverCert, name: `${m.name}-server` }])]),
      ),
    onRestart: (node, now) => plan(node, 'member-restart', now),
    onManagerRestart: (node, now) => plan(node, 'manager-restart', now),
    maintain: (now) => [...members.keys()].map((node) => ({ node, plan: plan(node, 'maintenance', now) })).filter((m) => m.plan.files),
  };
}

function issuedRecords(member: EtcdMemberSetup, certs: MemberCerts): IssuedCertificate[] {
  return [
    issuedCertificate(member.name, 'peers/me.crt', { ...certs.peerCert, name: `${member.name} peer` }),
    issuedCertificate(member.name, 'clients/server.crt', { ...certs.serverCert, name: `${member.name} server` }),
  ];
}
