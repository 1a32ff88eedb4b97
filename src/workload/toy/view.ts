import type { LatestSamples } from '../../observe/probe.js';
import { isFullMesh } from '../../observe/query.js';
import type { MembershipRecord } from '../../observe/records.js';

/** What a scenario's conditions see of a toy cluster: whom each node last completed a verified handshake with. */
export interface ToyView {
  readonly nodes: readonly string[];
  /** The node's latest membership sample. */
  sample(node: string): MembershipRecord | undefined;
  /** Every node up and seeing every other. */
  fullMesh(): boolean;
  /** The node is up, sees nobody, and nobody lists it. */
  isAlone(node: string): boolean;
}

export function toyView(latest: LatestSamples, nodes: readonly string[]): ToyView {
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
