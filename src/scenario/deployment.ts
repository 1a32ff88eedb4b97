import type { CertificateRecord } from '../observe/records.js';
import type { Forged } from '../pki/certificate.js';
import type { ImageSource, NodeFile, NodeSpec } from '../platform/types.js';
import type { CertificateSummary } from '../report/findings.js';
import { ERLANG_IMAGE, erlangNodeSpec, erlangWorkload } from '../workload/erlang/erlang-workload.js';
import { EtcdCertManager, type Occasion } from '../workload/etcd/cert-manager.js';
import { ETCD_IMAGE, EtcdWorkload, etcdMemberSpec, memberPkiFiles } from '../workload/etcd/etcd-workload.js';
import type { EtcdClusterSetup, EtcdMemberSetup } from '../workload/etcd/setup.js';
import type { Workload } from '../workload/types.js';
import type { ClusterSetup, ErlangNode } from './types.js';

export type IssuedCertificate = Omit<CertificateRecord, 't' | 'kind'>;

/** A node restart's changes: files to replace and the certificates issued for it. */
export interface RestartPlan {
  files?: NodeFile[];
  issued: IssuedCertificate[];
}

/** A scenario's set-up turned into what the platform runs and what the report shows. */
export interface Deployment {
  workload: Workload;
  nodes: string[];
  images: ImageSource[];
  /** Node specs for the start; a certificate manager may issue certificates here. */
  start(now: Date): { specs: NodeSpec[]; issued: IssuedCertificate[] };
  certificates(): CertificateSummary[];
  clocks(): { node: string; spec: string }[];
  /** What changes when a node restarts on its own (a pod recreated). */
  onRestart(node: string, now: Date): RestartPlan;
  /** etcd only: restarting etcd-manager regenerates the member's certificates. */
  onManagerRestart?(node: string, now: Date): RestartPlan;
  /** Called while the run observes: certificates a manager renews before they expire. */
  maintain?(now: Date): { node: string; plan: RestartPlan }[];
}

export function deploy(setup: ClusterSetup): Deployment {
  return setup.workload === 'erlang' ? deployErlang(setup.nodes) : deployEtcd(setup.clusters);
}

function deployErlang(nodes: ErlangNode[]): Deployment {
  const names = nodes.map((n) => n.name);
  const trusted = (n: ErlangNode) => (Array.isArray(n.trusts) ? n.trusts : [n.trusts]);
  return {
    workload: erlangWorkload,
    nodes: names,
    images: [ERLANG_IMAGE],
    start: () => ({
      specs: nodes.map((n) =>
        erlangNodeSpec({ name: n.name, certPem: n.cert.certPem, keyPem: n.cert.keyPem, caPem: trusted(n).map((ca) => ca.certPem).join(''), clock: n.clock }, names),
      ),
      issued: [],
    }),
    certificates: () => {
      const all = new Map<string, { forged: Forged; holders: string[]; trustedBy: string[] }>();
      const entry = (forged: Forged) => {
        if (!all.has(forged.info.serial)) all.set(forged.info.serial, { forged, holders: [], trustedBy: [] });
        return all.get(forged.info.serial)!;
      };
      for (const n of nodes) {
        for (const ca of trusted(n)) entry(ca).trustedBy.push(n.name);
        entry(n.cert).holders.push(n.name);
      }
      return [...all.values()].map(({ forged, holders, trustedBy }) =>
        summary(forged, [forged.info.isCa ? 'CA' : 'node certificate', holders.length ? `of ${holders.join(', ')}` : '', trustedBy.length ? `trusted by ${trustedBy.join(', ')}` : ''].filter(Boolean).join(' ')),
      );
    },
    clocks: () => nodes.map((n) => ({ node: n.name, spec: n.clock })),
    onRestart: () => ({ issued: [] }),
  };
}

function deployEtcd(clusters: EtcdClusterSetup[]): Deployment {
  const members = new Map<string, { cluster: EtcdClusterSetup; member: EtcdMemberSetup; manager: EtcdCertManager }>();
  for (const cluster of clusters) {
    const manager = new EtcdCertManager(cluster);
    for (const member of cluster.members) members.set(member.name, { cluster, member, manager });
  }
  const plan = (node: string, occasion: Occasion, now: Date): RestartPlan => {
    const { cluster, member, manager } = members.get(node)!;
    const fresh = manager.reissue(member, occasion, now);
    if (!fresh) return { issued: [] };
    return { files: memberPkiFiles(cluster, member, fresh), issued: issuedRecords(cluster, member, fresh) };
  };
  return {
    workload: new EtcdWorkload(clusters),
    nodes: [...members.keys()],
    images: [ETCD_IMAGE],
    start: (now) => {
      const issued: IssuedCertificate[] = [];
      const specs = [...members.values()].map(({ cluster, member, manager }) => {
        const fresh = manager.reissue(member, 'start', now);
        if (fresh) issued.push(...issuedRecords(cluster, member, fresh));
        return etcdMemberSpec(cluster, member, manager.certs(member.name));
      });
      return { specs, issued };
    },
    certificates: () =>
      clusters.flatMap((cluster) => {
        const names = cluster.members.map((m) => m.name).join(', ');
        const label = clusters.length > 1 ? ` (${cluster.name} cluster, etcd-manager ${cluster.manager})` : '';
        return [
          summary(cluster.peersCa, `etcd-peers-ca, trusted by ${names} for peers${label}`),
          summary(cluster.clientsCa, `etcd-clients-ca, trusted by ${names} for clients${label}`),
          summary(cluster.client, `client certificate of kube-apiserver and etcdctl${label}`),
          ...cluster.members.flatMap((m) => [
            summary(m.peerCert, `peers/me.crt of ${m.name}${label}`, `${m.name} peer`),
            summary(m.serverCert, `clients/server.crt of ${m.name}${label}`, `${m.name} server`),
          ]),
        ];
      }),
    clocks: () => [...members.values()].map(({ member }) => ({ node: member.name, spec: member.clock ?? '+0' })),
    onRestart: (node, now) => plan(node, 'member-restart', now),
    onManagerRestart: (node, now) => plan(node, 'manager-restart', now),
    maintain: (now) =>
      [...members.keys()].map((node) => ({ node, plan: plan(node, 'maintenance', now) })).filter((m) => m.plan.files),
  };
}

function summary(forged: Forged, role: string, name = forged.name): CertificateSummary {
  return { name, role, madeBy: forged.madeBy, info: forged.info };
}

function issuedRecords(cluster: EtcdClusterSetup, member: EtcdMemberSetup, certs: { peerCert: Forged; serverCert: Forged }): IssuedCertificate[] {
  void cluster;
  return [
    [certs.peerCert, 'peers/me.crt'],
    [certs.serverCert, 'clients/server.crt'],
  ].map(([forged, role]) => {
    const f = forged as Forged;
    return {
      node: member.name,
      name: `${member.name} ${role === 'peers/me.crt' ? 'peer' : 'server'}`,
      role: role as string,
      madeBy: f.madeBy,
      serial: f.info.serial,
      notBefore: f.info.notBefore.toISOString(),
      notAfter: f.info.notAfter.toISOString(),
    };
  });
}
