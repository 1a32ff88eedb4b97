import type { V1Node } from '@kubernetes/client-node';

/** Taints that keep certdrill's pods off a node: they tolerate none. */
const REPELLING = new Set(['NoSchedule', 'NoExecute']);

/** A CPU quantity as the API gives it ("2", "1930m", "0.5") in cores; undefined where it is not one. */
export function cpuCores(quantity: string | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity?.trim() ?? '');
  if (!match) return undefined;
  return Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
}

/**
 * The cores the cluster can give a run's pods: allocatable CPU summed over
 * the nodes they can be scheduled on (not cordoned, not tainted against them,
 * Ready). Undefined when no node says.
 */
export function allocatableCores(nodes: readonly V1Node[]): number | undefined {
  let total: number | undefined;
  for (const node of nodes) {
    if (node.spec?.unschedulable) continue;
    if (node.spec?.taints?.some((taint) => REPELLING.has(taint.effect))) continue;
    if (!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    const cores = cpuCores(node.status?.allocatable?.cpu);
    if (cores !== undefined) total = (total ?? 0) + cores;
  }
  return total;
}
