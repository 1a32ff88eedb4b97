import type { ClockMover } from '../../clock/shim.js';
import type { ClockSpec } from '../../clock/spec.js';
import { forgeCa, forgeLeaf, type Forged } from '../../pki/certificate.js';

/** One node of an Erlang cluster as a scenario sets it up. */
export interface ErlangNode {
  name: string;
  /** Its certificate, given as a file; absent when the node requests one from the setup's issuer at each start. */
  cert?: Forged;
  /** The CA it trusts; several during a CA rotation. */
  trusts: Forged | Forged[];
  clock: ClockSpec;
  /** What moves its clock: libfaketime (the default, which the BEAM reads through libc) or certdrill-clock. */
  clockBy?: ClockMover;
  /** Run the pre-flight check before the node starts, refusing within this many seconds of an expiry. */
  preflightMarginSeconds?: number;
}

export interface ErlangSetup {
  nodes: ErlangNode[];
  /**
   * cert-manager's CA Issuer on the CA, as the incident's cluster had it:
   * every node without a certificate of its own requests one at each start
   * (erlclu's init container) and trusts what the issuer answers with.
   */
  issuer?: ErlangIssuer;
}

export interface ErlangIssuer {
  ca: Forged;
  /** The Issuer, and the Secret holding the CA: erlclu's names unless given. */
  name?: string;
  secretName?: string;
  /**
   * The nodes read the CAs they trust (their `trusts`) from a trust bundle
   * their pods mount, not from the issuer's answer: what rolling the CA needs.
   */
  trustBundle?: boolean;
}

/**
 * The incident's cluster as it was really issued: a CA Issuer (cert-manager)
 * on the CA, each node requesting its certificate at start (P-256, its host
 * name as CN and DNS name, no duration: cert-manager's 90 days). The CA is
 * made as erlclu's was, by hand: `openssl req -new -x509`'s 30 days unless told.
 */
export function erlangClusterOnCertManager(options: Omit<ErlangClusterOptions, 'certValidFor'> & { caFrom?: string }): ErlangSetup & { ca: Forged } {
  const ca = forgeCa(
    'erlclu-ca',
    { from: options.caFrom ?? '+0', validFor: options.caValidFor ?? '30d', commonName: 'erlclu-ca' },
    options.reference,
  );
  return {
    ca,
    issuer: { ca },
    nodes: (options.nodes ?? ['node1', 'node2', 'node3']).map((name) => ({ name, trusts: ca, clock: '+0' })),
  };
}

export interface ErlangClusterOptions {
  reference: Date;
  /** Node (host) names; default node1, node2, node3. */
  nodes?: string[];
  /** The CA's lifetime from the reference: 30 days, as the incident's cert-manager CA. */
  caValidFor?: string;
  /** Each node certificate's lifetime: 90 days, as the incident's. */
  certValidFor?: string | ((node: string) => string);
}

/**
 * The incident's cluster: one CA signing every node's certificate, each with
 * the node's host name in subjectAltName (TLS distribution checks it), every
 * clock at real time.
 */
export function erlangCluster(options: ErlangClusterOptions): ErlangSetup & { ca: Forged } {
  const { reference } = options;
  const ca = forgeCa('cluster-ca', { validFor: options.caValidFor ?? '30d' }, reference);
  const lifetime = (node: string) => (typeof options.certValidFor === 'function' ? options.certValidFor(node) : (options.certValidFor ?? '90d'));
  return {
    ca,
    nodes: (options.nodes ?? ['node1', 'node2', 'node3']).map((name) => ({
      name,
      cert: nodeCert(name, ca, reference, lifetime(name)),
      trusts: ca,
      clock: '+0',
    })),
  };
}

/** A node certificate as cert-manager issues it: server and client auth, the node's host name. */
export function nodeCert(node: string, ca: Forged, reference: Date, validFor = '90d'): Forged {
  return forgeLeaf(node, { ca, validFor, altNames: [node] }, reference);
}
