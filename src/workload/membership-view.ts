import type { LatestSamples } from '../observe/probe.js';
import { isFullMesh } from '../observe/query.js';
import type { MembershipRecord } from '../observe/records.js';

/**
 * What a scenario's conditions see of a cluster whose probes report
 * membership (whom each node is connected to), now: Erlang's, the toy's.
 */
export interface MembershipView {
  readonly nodes: readonly string[];
  /** The node's latest membership sample. */
  sample(node: string): MembershipRecord | undefined;
  /** Every node up and connected to every other. */
  fullMesh(): boolean;
  /** The node is up, connected to nobody, and nobody lists it. */
  isAlone(node: string): boolean;
}

export function membershipView(latest: LatestSamples, nodes: readonly string[]): MembershipView {
  const sample = (node: string) => latest.latest(node, 'membership');
  return {
    nodes,
    sample,
    fullMesh: () => isFullMesh(new Map(nodes.map((n) => [n, sample(n)]))),
    isAlone: (node) => {
      const own = sample(node);
      return own?.up === true && own.sees.length === 0 && nodes.every((n) => n === node || !sample(n)?.sees.includes(node));
    },
  };
}
