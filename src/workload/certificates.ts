import type { Forged } from '../pki/certificate.js';
import type { CertificateSummary, IssuedCertificate } from './workload.js';

/** A certificate put on a node during the run, as the timeline records it. */
export function issuedCertificate(node: string, role: string, forged: Forged): IssuedCertificate {
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

/** A certificate of the set-up as the report lists it. */
export function certificateSummary(forged: Forged, role: string, name = forged.name): CertificateSummary {
  return { name, role, madeBy: forged.madeBy, info: forged.info };
}

/** Each certificate once, by name, the first one given winning. */
export function uniqueByName(all: Forged[]): Forged[] {
  return [...new Map(all.reverse().map((f) => [f.name, f])).values()].reverse();
}
