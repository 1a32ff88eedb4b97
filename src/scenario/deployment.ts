import { formatDuration } from '../util/duration.js';
import type { CertificateRecord } from '../observe/records.js';
import type { Forged } from '../pki/certificate.js';
import type { ImageSource, NodeFile, NodeSpec } from '../platform/types.js';
import type { CertificateSummary } from '../report/findings.js';
import { ERLANG_IMAGE, erlangCertFiles, erlangNodeSpec, erlangWorkload, PREFLIGHT_COMMAND, preflightEnv } from '../workload/erlang/erlang-workload.js';
import { EtcdCertManager, type Occasion } from '../workload/etcd/cert-manager.js';
import { ETCD_IMAGE, EtcdWorkload, etcdMemberSpec, memberPkiFiles } from '../workload/etcd/etcd-workload.js';
import type { EtcdClusterSetup, EtcdMemberSetup } from '../workload/etcd/setup.js';
import type { Workload } from '../workload/types.js';
import type { ClusterSetup, ErlangNode, RestartChanges } from './types.js';

export type IssuedCertificate = Omit<CertificateRecord, 't' | 'kind'>;

/** A node restart's changes: files to replace and the certificates issued for it. */
export interface RestartPlan {
  files?: NodeFile[];
  env?: Record<string, string>;
  preflight?: string[] | false;
  issued: IssuedCertificate[];
  /** What changed, for the step's title. */
  summary?: string;
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
  /** What changes when a node restarts (a pod recreated), given what the scenario changes. */
  onRestart(node: string, now: Date, changes: RestartChanges): RestartPlan;
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
  const trusted = (n: Pick<ErlangNode, 'trusts'>) => (Array.isArray(n.trusts) ? n.trusts : [n.trusts]);
  const caPem = (n: Pick<ErlangNode, 'trusts'>) => trusted(n).map((ca) => ca.certPem).join('');
  // What each node has now; restarts with new certificates change it.
  const current = new Map(nodes.map((n) => [n.name, { ...n }]));
  return {
    workload: erlangWorkload,
    nodes: names,
    images: [ERLANG_IMAGE],
    start: () => ({
      specs: nodes.map((n) =>
        erlangNodeSpec({ name: n.name, certPem: n.cert.certPem, keyPem: n.cert.keyPem, caPem: caPem(n), clock: n.clock, preflightMarginSeconds: n.preflightMarginSeconds }, names),
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
    onRestart: (node, _now, changes) => {
      const now = current.get(node)!;
      const plan: RestartPlan = { issued: [] };
      const said: string[] = [];
      if (changes.cert || changes.trusts) {
        if (changes.cert) now.cert = changes.cert;
        if (changes.trusts) now.trusts = changes.trusts;
        plan.files = erlangCertFiles({ certPem: now.cert.certPem, keyPem: now.cert.keyPem, caPem: caPem(now) });
        if (changes.cert) {
          plan.issued.push(certificateRecord(node, 'node.crt', changes.cert));
          said.push(`new certificate ${changes.cert.name} (issued by ${changes.cert.info.issuer})`);
        }
        if (changes.trusts) said.push(`trusting ${trusted({ trusts: changes.trusts }).map((ca) => ca.name).join(' + ')}`);
      }
      if (changes.preflight !== undefined) {
        plan.env = preflightEnv(changes.preflight === false ? undefined : changes.preflight);
        plan.preflight = changes.preflight === false ? false : PREFLIGHT_COMMAND;
        said.push(changes.preflight === false ? 'no pre-flight check' : `pre-flight check on (margin ${formatDuration(changes.preflight).replace('+', '')})`);
      }
      if (said.length > 0) plan.summary = said.join(', ');
      return plan;
    },
  };
}

function certificateRecord(node: string, role: string, forged: Forged): IssuedCertificate {
  return {
    node,
    name: forged.name,
    role,
    madeBy: forged.madeBy,
    serial: forged.info.serial,
    notBefore: forged.info.notBefore.toISOString(),
    notAfter: forged.info.notAfter.toISOString(),
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
    return { files: memberPkiFiles(cluster, member, fresh), issued: issuedRecords(member, fresh) };
  };
  return {
    workload: new EtcdWorkload(clusters),
    nodes: [...members.keys()],
    images: [ETCD_IMAGE],
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
    onRestart: (node, now, changes) => {
      if (changes.cert || changes.trusts || changes.preflight !== undefined) throw new Error('etcd members get their certificates from etcd-manager: use restartManager');
      return plan(node, 'member-restart', now);
    },
    onManagerRestart: (node, now) => plan(node, 'manager-restart', now),
    maintain: (now) =>
      [...members.keys()].map((node) => ({ node, plan: plan(node, 'maintenance', now) })).filter((m) => m.plan.files),
  };
}

function summary(forged: Forged, role: string, name = forged.name): CertificateSummary {
  return { name, role, madeBy: forged.madeBy, info: forged.info };
}

function issuedRecords(member: EtcdMemberSetup, certs: { peerCert: Forged; serverCert: Forged }): IssuedCertificate[] {
  return [
    certificateRecord(member.name, 'peers/me.crt', { ...certs.peerCert, name: `${member.name} peer` }),
    certificateRecord(member.name, 'clients/server.crt', { ...certs.serverCert, name: `${member.name} server` }),
  ];
}
