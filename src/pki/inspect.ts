import forge from 'node-forge';

/** What a certificate says about itself, as a report shows it. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  altNames: string[];
  isCa: boolean;
}

export function inspectCertificate(pem: string): CertificateInfo {
  const cert = forge.pki.certificateFromPem(pem);
  const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value?: string; ip?: string }[] } | null;
  const basic = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
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

/** Where `at` falls against the certificate's window. */
export function validityAt(info: Pick<CertificateInfo, 'notBefore' | 'notAfter'>, at: Date): 'valid' | 'expired' | 'not yet valid' {
  if (at.getTime() < info.notBefore.getTime()) return 'not yet valid';
  if (at.getTime() > info.notAfter.getTime()) return 'expired';
  return 'valid';
}

const SHORT_NAMES: Record<string, string> = { commonName: 'CN', organizationName: 'O', organizationalUnitName: 'OU' };

function dn(attributes: forge.pki.CertificateField[]): string {
  return attributes
    .map((a) => `${SHORT_NAMES[a.name ?? ''] ?? a.shortName ?? a.name}=${String(a.value)}`)
    .join(', ');
}
