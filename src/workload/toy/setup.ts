import { forgeCa, forgeLeaf, type ClockSpec, type Forged, type ValidityWindow } from '../api.js';

/** One toy node as a scenario sets it up. */
export interface ToyNode {
  /** Host name; its certificate names it in subjectAltName, and its peers check that name. */
  name: string;
  cert: Forged;
  /** The CA it trusts, for its peers' certificates as client and as server. */
  ca: Forged;
  clock: ClockSpec;
}

export interface ToySetup {
  nodes: ToyNode[];
}

export interface ToyClusterOptions {
  reference: Date;
  /** Host names; default node1, node2, node3. */
  nodes?: string[];
  /** The CA's lifetime from the reference; default one year. */
  caValidFor?: string;
  /** Each node certificate's lifetime from the reference; default 90 days. */
  certValidFor?: string;
}

/** A toy cluster: one CA signing every node's certificate, every clock at real time. */
export function toyCluster(options: ToyClusterOptions): ToySetup & { ca: Forged } {
  const { reference } = options;
  const ca = forgeCa('toy-ca', { validFor: options.caValidFor ?? '1y' }, reference);
  return {
    ca,
    nodes: (options.nodes ?? ['node1', 'node2', 'node3']).map((name) => ({
      name,
      cert: toyCert(name, ca, reference, { validFor: options.certValidFor ?? '90d' }),
      ca,
      clock: '+0',
    })),
  };
}

/** A node certificate for server and client authentication, naming the node; its window may lie anywhere (`{ from: '-30d', until: '-1d' }`). */
export function toyCert(node: string, ca: Forged, reference: Date, window: ValidityWindow, name = node): Forged {
  return forgeLeaf(name, { ca, ...window, altNames: [node] }, reference);
}
