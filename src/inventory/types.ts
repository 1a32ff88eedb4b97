import type { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../pki/inspect.js';

/** A certificate read from a source, with where it was found. Never a private key. */
export interface FoundCertificate {
  cert: X509Certificate;
  info: CertificateInfo;
  /** Where it was read: a file (relative to the folder), `secret ns/name tls.crt`, `host:port #1`. */
  from: string;
  /** What the place says it is for, where the layout tells (`etcd peer`, `kube-apiserver serving`). */
  role?: string;
}

/** Something in the source that should have been a certificate and is not: listed, never fatal in a folder. */
export interface Unreadable {
  from: string;
  reason: string;
}

/**
 * The lifetime cert-manager gives a certificate whose request names no
 * duration (pkg/apis/certmanager/v1: DefaultCertificateDuration, 90 days,
 * unchanged from v1.0 to today), never cut to its CA's end.
 */
export const CERT_MANAGER_DEFAULT_DURATION_MS = 90 * 86_400_000;

/** A cert-manager Certificate's renewal settings, where the CRD exists. */
export interface CertManagerCertificate {
  namespace: string;
  name: string;
  secretName: string;
  duration?: string;
  renewBefore?: string;
  isCA: boolean;
  issuer?: string;
}

/** A cert-manager Issuer or ClusterIssuer, with the CA it signs with (CA issuers) and its Ready condition. */
export interface CertManagerIssuer {
  kind: 'Issuer' | 'ClusterIssuer';
  /** The Issuer's namespace; a ClusterIssuer's CA Secret lives in cert-manager's cluster resource namespace. */
  namespace?: string;
  name: string;
  /** A CA issuer's Secret, as `namespace/name`. */
  caSecret?: string;
  /** The CA certificate in that Secret's tls.crt, where it could be read. */
  ca?: { subject: string; notAfter: Date };
  /** Its Ready condition: `True (KeyPairVerified: Signing CA verified)`. */
  ready?: string;
  readyStatus?: string;
}

/** What one source gave. */
export interface Inventory {
  /** The source as the user named it. */
  source: string;
  certificates: FoundCertificate[];
  unreadable: Unreadable[];
  /** Private keys seen and left unread (never shown): how many. */
  keysSkipped: number;
  certManager: CertManagerCertificate[];
  /** cert-manager's Issuers and ClusterIssuers, where the cluster has them. */
  issuers?: CertManagerIssuer[];
}
