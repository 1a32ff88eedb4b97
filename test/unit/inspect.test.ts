import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { forgeCa, forgeLeaf, forgeWithOpenssl, inspectCertificate, type CertificateInfo } from '../../src/pki/index.js';

/**
 * How certdrill read a certificate before it used Node's X509Certificate: with
 * node-forge. Kept here as the reference, so the reports (subject, issuer,
 * serial, dates) say exactly what they said before.
 */
function inspectWithForge(pem: string): CertificateInfo {
  const cert = forge.pki.certificateFromPem(pem);
  const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value?: string; ip?: string }[] } | null;
  const basic = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  const shortNames: Record<string, string> = { commonName: 'CN', organizationName: 'O', organizationalUnitName: 'OU' };
  const dn = (attributes: forge.pki.CertificateField[]) =>
    attributes.map((a) => `${shortNames[a.name ?? ''] ?? a.shortName ?? a.name}=${String(a.value)}`).join(', ');
  return {
    subject: dn(cert.subject.attributes),
    issuer: dn(cert.issuer.attributes),
    serial: cert.serialNumber.replace(/^(00)+(?=.)/, ''),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    altNames: (san?.altNames ?? []).map((n) => (n.type === 7 ? `IP:${n.ip}` : `DNS:${n.value}`)),
    isCa: basic?.cA === true,
  };
}

/** A self-signed certificate made with forge directly, for what certdrill's forging never picks (a serial's leading zeros, more name attributes). */
function handMade(serial: string, subject: forge.pki.CertificateField[], notAfter = new Date('2051-01-01T00:00:00Z')): string {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date('1999-12-31T23:59:59Z');
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const reference = new Date('2026-11-23T03:00:00Z');

describe('inspectCertificate (X509Certificate) says what node-forge said', () => {
  it('for certificates node-forge forged: a CA, leaves with DNS names and IP addresses, a leaf without names', () => {
    const ca = forgeCa('cluster-ca', { validFor: '30d', keyBits: 1024 }, reference);
    const spaced = forgeCa('etcd peers CA', { from: '2019-01-01T00:00:00Z', validFor: '10y', keyBits: 1024 }, reference);
    const leaves = [
      forgeLeaf('node1', { ca, validFor: '90d', keyBits: 1024 }, reference),
      forgeLeaf(
        'etcd-a',
        { ca: spaced, validFor: '1y', keyBits: 1024, altNames: ['etcd-a', 'localhost', '127.0.0.1', '10.1.2.3', '::1', '2001:db8::1', 'fe80::1:2'] },
        reference,
      ),
      forgeLeaf('kube-apiserver-etcd-client', { ca: spaced, validFor: '1y', keyBits: 1024, usages: ['client'], altNames: [] }, reference),
    ];
    for (const forged of [ca, spaced, ...leaves]) {
      expect(inspectCertificate(forged.certPem), forged.name).toEqual(inspectWithForge(forged.certPem));
    }
    expect(inspectCertificate(leaves[1]!.certPem).subject).toBe('CN=etcd-a, O=certdrill');
    expect(inspectCertificate(leaves[1]!.certPem).issuer).toBe('CN=etcd peers CA, O=certdrill');
  });

  it('for certificates the real openssl issued under faketime: a CA and a leaf', async () => {
    const ca = await forgeWithOpenssl('old-ca', { issuedAt: '2018-01-01T00:00:00Z', days: 3650 }, reference);
    const leaf = await forgeWithOpenssl(
      'etcd-b',
      { ca, issuedAt: '2019-11-05T23:26:23Z', days: 367, altNames: ['etcd-b', 'localhost', '127.0.0.1'] },
      reference,
    );
    for (const forged of [ca, leaf]) {
      expect(inspectCertificate(forged.certPem), forged.name).toEqual(inspectWithForge(forged.certPem));
    }
  });

  it('for serials with leading zero bytes or nibbles, names of more attributes, and dates past 2049', () => {
    const subject: forge.pki.CertificateField[] = [
      { shortName: 'C', value: 'NL' },
      { name: 'organizationName', value: 'certdrill' },
      { name: 'organizationalUnitName', value: 'chaos' },
      { name: 'commonName', value: 'odd-one' },
    ];
    for (const serial of ['00ab0102030405060708090a0b0c0d0e', '05ab0102030405060708090a0b0c0d0e', '01']) {
      const pem = handMade(serial, subject);
      expect(inspectCertificate(pem), serial).toEqual(inspectWithForge(pem));
    }
    expect(inspectCertificate(handMade('01', subject)).subject).toBe('C=NL, O=certdrill, OU=chaos, CN=odd-one');
  });
});
