import { createHash } from 'node:crypto';
import type { ClockMover } from '../../clock/shim.js';
import type { ClockSpec } from '../../clock/spec.js';
import { forgeCa, forgeLeaf, type Forged } from '../../pki/certificate.js';
import { forgeWithOpenssl } from '../../pki/openssl-faketime.js';
import type { EtcdManagerVersion } from './manager/versions.js';

/**
 * Who issues the member certificates.
 * - a version of the real etcd-manager (`3.0.20200116`, `3.0.20200428`,
 *   `v3.0.20260707`): each member is a kops master, etcd-manager in front of
 *   etcd with kube-apiserver beside it, and etcd-manager issues the
 *   certificates itself, as that version does.
 * - `hand-issued`: no etcd-manager. certdrill forges the member certificates
 *   and puts them where etcd-manager keeps them; etcd runs alone, and the API
 *   server's view is a TLS client (or curl beside the member): the raft-free
 *   fallback, for scenarios that forge certificates on purpose.
 */
export type ManagerMode = 'hand-issued' | EtcdManagerVersion;

export interface MemberCerts {
  peerCert: Forged;
  serverCert: Forged;
}

export interface EtcdMemberSetup {
  /** Member name and host name, e.g. `etcd-a`. */
  name: string;
  /** The id in /mnt/master-vol-<id>, the member's data volume. */
  volumeId: string;
  /**
   * peers/me.crt: presented to other members, both as server and as client.
   * Under a real etcd-manager, which issues its own, a forged one is only
   * staged in the node, for the `installForgedCertificates` operation.
   */
  peerCert?: Forged;
  /** clients/server.crt: presented to clients on port 4001 (staged alike under a real etcd-manager). */
  serverCert?: Forged;
  clock?: ClockSpec;
  /** What moves the member's clock; default certdrill-clock, the one that reaches etcd (Go). */
  clockBy?: ClockMover;
}

export interface EtcdClusterSetup {
  /** kops' cluster name: `main` (client port 4001) or `events`. */
  name: string;
  /** Who issues the member certificates: the real etcd-manager of a version, or certdrill by hand. */
  manager: ManagerMode;
  peersCa: Forged;
  clientsCa: Forged;
  /** etcd-manager-ca, which signs the managers' own gRPC certificates (real etcd-manager only). */
  managerCa?: Forged;
  /**
   * kube-apiserver's etcd client certificate, issued apart from etcd-manager
   * (kops: by nodeup, at boot). Hand-issued clusters: also certdrill's etcdctl's.
   */
  client: Forged;
  /** certdrill's etcdctl's client certificate on a real etcd-manager's cluster: long-lived, so that raft's view never depends on it. */
  etcdctl: Forged;
  /** kube-apiserver's service-account signing key (real etcd-manager only): kube-apiserver will not start without one. */
  serviceAccount?: Forged;
  /** Whether kube-apiserver runs beside each member (real etcd-manager only; default true). */
  apiserver?: boolean;
  members: EtcdMemberSetup[];
  /**
   * Where kube-apiserver's view of a member is taken. `host` (the default): a
   * TLS client in certdrill, on real time. `member`: curl in the member's own
   * node, under its clock, as kube-apiserver runs beside each member on a kops
   * control-plane host and shares its clock: what a scenario that moves etcd's
   * clock needs, so that the API server judges certificates by the same time.
   */
  apiserverOn?: 'host' | 'member';
}

export interface EtcdSetup {
  clusters: EtcdClusterSetup[];
}

/** The folder etcd-manager keeps a member's certificates in, under its volume. */
export function pkiDir(cluster: string, member: EtcdMemberSetup): string {
  // etcd-manager names the folder by a hash; this one is stable per cluster.
  const hash = createHash('sha256').update(cluster).digest('hex').slice(0, 16);
  return `/mnt/master-vol-${member.volumeId}/pki/${hash}`;
}

export interface KopsClusterOptions {
  name?: string;
  /** Default `hand-issued`. */
  manager?: ManagerMode;
  apiserver?: boolean;
  /** Member names; default etcd-a, etcd-b, etcd-c. */
  members?: string[];
  reference: Date;
  /**
   * How each member's peer certificate is made; default: one year from now,
   * as etcd-manager issues it. Under a real etcd-manager none is made unless
   * given, and one given is staged for `installForgedCertificates`.
   */
  peerCert?: (member: string, peersCa: Forged) => Forged | Promise<Forged>;
  serverCert?: (member: string, clientsCa: Forged) => Forged | Promise<Forged>;
  clock?: (member: string) => ClockSpec | undefined;
  clockBy?: (member: string) => ClockMover | undefined;
  /** The lifetime of kube-apiserver's client certificate; default one year. */
  clientValidFor?: string;
  /** When kops made the CAs (ten years each); default 2019-01-01 for a hand-issued replay, the day before the run under a real etcd-manager. */
  casFrom?: string;
  /** The CAs, where the scenario forges them (a rehearsal of a real cluster's windows); default ten years, as kops makes them, from `casFrom`. */
  peersCa?: Forged;
  clientsCa?: Forged;
  /** kube-apiserver's client certificate, where the scenario forges it; default `clientValidFor` from the reference. */
  client?: (clientsCa: Forged) => Forged;
  apiserverOn?: 'host' | 'member';
}

/**
 * A kops-style etcd cluster: separate etcd-peers-ca and etcd-clients-ca
 * (long-lived, as kops makes them), member certificates signed by them.
 */
export async function kopsEtcdCluster(options: KopsClusterOptions): Promise<EtcdClusterSetup> {
  const { reference } = options;
  const name = options.name ?? 'main';
  const manager = options.manager ?? 'hand-issued';
  const handIssued = manager === 'hand-issued';
  // kops makes its CAs for ten years when the cluster is created. A hand-issued replay keeps the incident's 2019 ones;
  // a real etcd-manager's cluster is created the day before the run, so that jumps of years stay inside the CAs' window.
  const caFrom = options.casFrom ?? (handIssued ? '2019-01-01T00:00:00Z' : new Date(reference.getTime() - 86_400_000).toISOString());
  const kopsCa = (cn: string) => forgeCa(cn, { from: caFrom, validFor: '10y', commonName: cn }, reference);
  const peersCa = options.peersCa ?? kopsCa('etcd-peers-ca');
  const clientsCa = options.clientsCa ?? kopsCa('etcd-clients-ca');
  const client =
    options.client?.(clientsCa) ??
    forgeLeaf('kube-apiserver-etcd-client', { ca: clientsCa, validFor: options.clientValidFor ?? '1y', usages: ['client'], altNames: [] }, reference);
  const names = options.members ?? ['etcd-a', 'etcd-b', 'etcd-c'];
  const members: EtcdMemberSetup[] = [];
  for (const member of names) {
    members.push({
      name: member,
      volumeId: `vol-${member}`,
      ...(handIssued
        ? {
            peerCert: await (options.peerCert ?? ((m, ca) => memberCert(m, ca, reference)))(member, peersCa),
            serverCert: await (options.serverCert ?? ((m, ca) => memberCert(m, ca, reference)))(member, clientsCa),
          }
        : {}),
      ...(!handIssued && options.peerCert ? { peerCert: await options.peerCert(member, peersCa) } : {}),
      ...(!handIssued && options.serverCert ? { serverCert: await options.serverCert(member, clientsCa) } : {}),
      clock: options.clock?.(member),
      clockBy: options.clockBy?.(member),
    });
  }
  return {
    name,
    manager,
    peersCa,
    clientsCa,
    client,
    etcdctl: handIssued
      ? client
      : forgeLeaf('certdrill-etcdctl', { ca: clientsCa, from: '2019-01-01T00:00:00Z', validFor: '30y', usages: ['client'], altNames: [] }, reference),
    ...(handIssued ? {} : { managerCa: kopsCa('etcd-manager-ca'), serviceAccount: kopsCa('service-account') }),
    ...(options.apiserver === false ? { apiserver: false } : {}),
    members,
    ...(options.apiserverOn ? { apiserverOn: options.apiserverOn } : {}),
  };
}

/** A member certificate the way etcd-manager issues it: one year, server and client auth, the member's host name. */
export function memberCert(member: string, ca: Forged, reference: Date, validFor = '1y'): Forged {
  return forgeLeaf(member, { ca, validFor, altNames: [member, 'localhost', '127.0.0.1'] }, reference);
}

/** When and for how long the incident's etcd-manager issued its member certificates (the seed write-up). */
export const INCIDENT_ISSUANCE = { issuedAt: '2019-11-05T23:26:23Z', days: 367 } as const;

/**
 * A member certificate as the incident's etcd-manager left it: issued on
 * Nov 5 2019 for 367 days by the real openssl under faketime, expired since
 * Nov 6 2020.
 */
export function incidentMemberCert(reference: Date): (member: string, ca: Forged) => Promise<Forged> {
  return (member, ca) => forgeWithOpenssl(member, { ca, ...INCIDENT_ISSUANCE, altNames: [member, 'localhost', '127.0.0.1'] }, reference);
}

/**
 * The incident's member certificates (issued Nov 5 2019 for 367 days, by the
 * real openssl under faketime) with exactly the names etcd-manager gives its
 * own, so that a real etcd-manager finds them on the volume and takes them
 * for its own: CommonName the member; peers/me.crt for the peer URL's host
 * and 127.0.0.1; clients/server.crt for the client and the peer URL's hosts
 * and 127.0.0.1 for each (the same two names twice, as it lists them),
 * server use only. etcd-manager 3.0.20200116 keeps a stored certificate
 * whose CommonName, DNS names and IPs equal these, duplicates counted
 * (pkg/pki/certs.go:42-103, pkg/etcd/pki.go); one 127.0.0.1 short and it
 * issues a new one ("certificate IPs mismatch", seen here).
 */
export function incidentCertsAsManagerIssues(reference: Date): {
  peerCert: (member: string, ca: Forged) => Promise<Forged>;
  serverCert: (member: string, ca: Forged) => Promise<Forged>;
} {
  const issued = INCIDENT_ISSUANCE;
  return {
    peerCert: (member, ca) => forgeWithOpenssl(member, { ...issued, ca, altNames: [member, '127.0.0.1'] }, reference),
    // Twice each: etcd-manager adds the member's name and 127.0.0.1 once for the client URL and once for the peer URL.
    serverCert: (member, ca) =>
      forgeWithOpenssl(member, { ...issued, ca, altNames: [member, member, '127.0.0.1', '127.0.0.1'], usages: ['server'] }, reference),
  };
}
