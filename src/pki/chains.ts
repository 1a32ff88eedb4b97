import type { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from './inspect.js';

/** A certificate as chains see it: the parsed certificate and what it says about itself. */
export interface ChainMember {
  cert: X509Certificate;
  info: CertificateInfo;
}

/** Where a certificate stands among the others: who issued it, and its chain's first expiry. */
export interface Placed<T extends ChainMember> {
  item: T;
  /** The certificate that signed it (its signature verified), if it is among them. */
  issuer?: T;
  selfSigned: boolean;
  /** It and its issuers up to a root or to the first one missing, leaf first. */
  chain: T[];
  /** The certificate of `chain` whose notAfter comes first (itself, or a CA above it). */
  expiresFirst: T;
}

export type ChainWarning =
  | { kind: 'unknown issuer'; subject: string; issuer: string }
  | { kind: 'bad signature'; subject: string; issuer: string }
  | { kind: 'outlives its CA'; subject: string; notAfter: Date; ca: string; caNotAfter: Date }
  | { kind: 'expired'; subject: string; notAfter: Date }
  | { kind: 'not yet valid'; subject: string; notBefore: Date };

/**
 * Puts each certificate in its chain. Duplicates (the same certificate read
 * twice, e.g. a CA in ca.crt and again in a chain file) count once: the first
 * one read is kept.
 */
export function placeCertificates<T extends ChainMember>(items: T[], now: Date): { placed: Placed<T>[]; warnings: ChainWarning[] } {
  const unique: T[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.cert.fingerprint256)) continue;
    seen.add(item.cert.fingerprint256);
    unique.push(item);
  }
  const warnings: ChainWarning[] = [];
  const issuerOf = new Map<T, T | undefined>();
  const selfSigned = new Set<T>();
  for (const item of unique) {
    if (item.cert.subject === item.cert.issuer && item.cert.verify(item.cert.publicKey)) {
      selfSigned.add(item);
      continue;
    }
    // By name first, then by signature: a certificate of the issuer's name whose key did not sign it is a broken chain, not a missing issuer.
    const named = unique.filter((other) => other !== item && other.cert.subject === item.cert.issuer);
    const issuer = named.find((other) => item.cert.verify(other.cert.publicKey));
    issuerOf.set(item, issuer);
    if (!issuer && named.length > 0) warnings.push({ kind: 'bad signature', subject: item.info.subject, issuer: item.info.issuer });
    else if (!issuer) warnings.push({ kind: 'unknown issuer', subject: item.info.subject, issuer: item.info.issuer });
  }
  const placed = unique.map((item) => {
    const chain = [item];
    for (let at = issuerOf.get(item); at && !chain.includes(at); at = issuerOf.get(at)) chain.push(at);
    const expiresFirst = chain.reduce((first, c) => (c.info.notAfter.getTime() < first.info.notAfter.getTime() ? c : first));
    const issuer = issuerOf.get(item);
    return { item, ...(issuer ? { issuer } : {}), selfSigned: selfSigned.has(item), chain, expiresFirst };
  });
  for (const p of placed) {
    if (p.issuer && p.item.info.notAfter.getTime() > p.issuer.info.notAfter.getTime()) {
      warnings.push({
        kind: 'outlives its CA',
        subject: p.item.info.subject,
        notAfter: p.item.info.notAfter,
        ca: p.issuer.info.subject,
        caNotAfter: p.issuer.info.notAfter,
      });
    }
    if (p.item.info.notAfter.getTime() < now.getTime())
      warnings.push({ kind: 'expired', subject: p.item.info.subject, notAfter: p.item.info.notAfter });
    else if (p.item.info.notBefore.getTime() > now.getTime())
      warnings.push({ kind: 'not yet valid', subject: p.item.info.subject, notBefore: p.item.info.notBefore });
  }
  return { placed, warnings };
}

/** One line a person reads. */
export function describeWarning(warning: ChainWarning): string {
  const day = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  switch (warning.kind) {
    case 'unknown issuer':
      return `${warning.subject}: its issuer ${warning.issuer} is not among the certificates read, so its chain cannot be checked`;
    case 'bad signature':
      return `${warning.subject}: names ${warning.issuer} as issuer, but no certificate of that name read here signed it (broken chain)`;
    case 'outlives its CA':
      return `${warning.subject} (until ${day(warning.notAfter)}) outlives its CA ${warning.ca} (until ${day(warning.caNotAfter)}): from the CA's expiry on, it fails verification though it has not expired itself`;
    case 'expired':
      return `${warning.subject} expired on ${day(warning.notAfter)}`;
    case 'not yet valid':
      return `${warning.subject} is not valid before ${day(warning.notBefore)}`;
  }
}
