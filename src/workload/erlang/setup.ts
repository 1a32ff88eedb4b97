import type { ClockMover } from '../../clock/shim.js';
import type { ClockSpec } from '../../clock/spec.js';
import { forgeCa, forgeLeaf, type Forged } from '../../pki/certificate.js';

/** One node of an Erlang cluster as a scenario sets it up. */
export interface ErlangNode {
  name: string;
  cert: Forged;
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
