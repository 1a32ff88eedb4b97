import { X509Certificate } from 'node:crypto';

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
  const cert = new X509Certificate(pem);
  return {
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    // Lower-case hex without leading zero bytes, as reports have always shown it.
    serial: cert.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    altNames: altNames(cert.subjectAltName),
    isCa: cert.ca,
  };
}

/** The common name of a subject as reports write it (`CN=node1, O=certdrill` -> `node1`), or the whole subject if it has none. */
export function commonName(subject: string): string {
  return /(?:^|, )CN=([^,]+)/.exec(subject)?.[1] ?? subject;
}

/** Where `at` falls against the certificate's window. */
export function validityAt(info: Pick<CertificateInfo, 'notBefore' | 'notAfter'>, at: Date): 'valid' | 'expired' | 'not yet valid' {
  if (at.getTime() < info.notBefore.getTime()) return 'not yet valid';
  if (at.getTime() > info.notAfter.getTime()) return 'expired';
  return 'valid';
}

/** Node writes a name one attribute a line (`CN=node1\nO=certdrill`); reports show `CN=node1, O=certdrill`. */
function dn(name: string): string {
  return name.split('\n').join(', ');
}

/**
 * Node's `DNS:node1, IP Address:127.0.0.1` as `DNS:node1`, `IP:127.0.0.1`;
 * IPv6 addresses in their short form (`::1`, not `0:0:0:0:0:0:0:1`).
 */
function altNames(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(', ').map((entry) => {
    const ip = /^IP Address:(.*)$/.exec(entry)?.[1];
    if (ip === undefined) return entry;
    return `IP:${ip.includes(':') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip}`;
  });
}

/** The first certificate of a base64-encoded PEM (a Kubernetes Secret's or a cert-manager object's field); undefined if none. */
export function certificateFromBase64(base64: string | undefined): X509Certificate | undefined {
  if (!base64) return undefined;
  try {
    return new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    return undefined;
  }
}
