import type { Forged } from '../../pki/certificate.js';
import { forgeLeaf } from '../../pki/certificate.js';
import type { EtcdClusterSetup, EtcdMemberSetup, ManagerMode, MemberCerts } from './setup.js';

export type { ManagerMode } from './setup.js';

/** A renewing manager re-issues a certificate with less than this left. */
export const RENEW_BEFORE_MS = 30 * 86_400_000;
const LIFETIME = '1y';

export type Occasion = 'start' | 'member-restart' | 'manager-restart' | 'maintenance';

export class EtcdCertManager {
  private readonly current = new Map<string, MemberCerts>();

  constructor(private readonly cluster: EtcdClusterSetup) {
    for (const m of cluster.members) this.current.set(m.name, { peerCert: m.peerCert, serverCert: m.serverCert });
  }

  get mode() {
    return this.cluster.manager;
  }

  certs(member: string): MemberCerts {
    return this.current.get(member)!;
  }

  /**
   * The certificates the member should have on this occasion, or undefined
   * when the manager leaves them as they are.
   */
  reissue(member: EtcdMemberSetup, occasion: Occasion, now: Date): MemberCerts | undefined {
    const certs = this.certs(member.name);
    const renew =
      occasion === 'manager-restart' ||
      (this.mode === 'renewing' && (occasion === 'member-restart' || (occasion === 'start' && expiresSoon(certs, now)) || (occasion === 'maintenance' && expiresSoon(certs, now))));
    if (!renew) return undefined;
    const madeBy = `etcd-manager (${this.mode}), ${occasion.replace('-', ' ')}`;
    const issue = (ca: Forged, name: string) => ({ ...forgeLeaf(name, { ca, validFor: LIFETIME, altNames: [member.name, 'localhost', '127.0.0.1'] }, now), madeBy });
    const fresh = { peerCert: issue(this.cluster.peersCa, member.name), serverCert: issue(this.cluster.clientsCa, member.name) };
    this.current.set(member.name, fresh);
    return fresh;
  }
}

function expiresSoon(certs: MemberCerts, now: Date): boolean {
  return [certs.peerCert, certs.serverCert].some((c) => c.info.notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS || c.info.notBefore.getTime() > now.getTime());
}
