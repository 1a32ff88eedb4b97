import { describe, expect, it } from 'vitest';
import { EtcdCertManager } from '../../src/workload/etcd/cert-manager.js';
import { kopsEtcdCluster, memberCert } from '../../src/workload/etcd/setup.js';

const reference = new Date('2026-11-23T00:00:00Z');
const later = new Date('2026-11-23T00:05:00Z');

async function cluster(manager: 'legacy' | 'renewing', validFor: string, from?: string) {
  return kopsEtcdCluster({
    reference,
    manager,
    peerCert: (m, ca) => (from ? memberCert(m, ca, new Date(from), validFor) : memberCert(m, ca, reference, validFor)),
    serverCert: (m, ca) => memberCert(m, ca, reference, validFor),
  });
}

describe('etcd-manager certificate modes', () => {
  it('legacy keeps expired certificates across member restarts, and regenerates them for a year when etcd-manager restarts', async () => {
    const setup = await cluster('legacy', '1y', '2019-11-05T23:26:23Z');
    const manager = new EtcdCertManager(setup);
    const member = setup.members[0]!;
    expect(manager.reissue(member, 'start', reference)).toBeUndefined();
    expect(manager.reissue(member, 'member-restart', later)).toBeUndefined();
    expect(manager.reissue(member, 'maintenance', later)).toBeUndefined();
    const fresh = manager.reissue(member, 'manager-restart', later)!;
    expect(fresh.peerCert.info.notBefore).toEqual(later);
    expect(fresh.peerCert.info.notAfter.getTime() - later.getTime()).toBe(365 * 86_400_000);
    expect(fresh.peerCert.info.issuer).toBe('CN=etcd-peers-ca, O=certdrill');
    expect(fresh.serverCert.info.issuer).toBe('CN=etcd-clients-ca, O=certdrill');
    expect(manager.certs(member.name)).toBe(fresh);
  });

  it('renewing re-issues expired certificates at start, and on every member restart', async () => {
    const setup = await cluster('renewing', '1y', '2019-11-05T23:26:23Z');
    const manager = new EtcdCertManager(setup);
    const member = setup.members[1]!;
    const atStart = manager.reissue(member, 'start', reference);
    expect(atStart?.peerCert.info.notAfter.getTime()).toBeGreaterThan(reference.getTime());
    expect(atStart?.peerCert.madeBy).toBe('etcd-manager (renewing), start');
    expect(manager.reissue(member, 'maintenance', later)).toBeUndefined();
    expect(manager.reissue(member, 'member-restart', later)).toBeDefined();
  });

  it('renewing leaves fresh certificates alone at start, and renews them when little time is left', async () => {
    const setup = await cluster('renewing', '60d');
    const manager = new EtcdCertManager(setup);
    const member = setup.members[2]!;
    expect(manager.reissue(member, 'start', reference)).toBeUndefined();
    expect(manager.reissue(member, 'maintenance', new Date('2026-12-10T00:00:00Z'))).toBeUndefined();
    expect(manager.reissue(member, 'maintenance', new Date('2027-01-01T00:00:00Z'))).toBeDefined();
  });
});
