import type { V1Namespace } from '@kubernetes/client-node';

/** How certdrill marks what it makes in a cluster: every object part-of certdrill, with its run (and node). */
export const APP_LABEL = 'app.kubernetes.io/part-of';
export const NODE_LABEL = 'certdrill.node';
export const RUN_LABEL = 'certdrill.run';

export function labels(runId: string, node?: string): Record<string, string> {
  return { [APP_LABEL]: 'certdrill', [RUN_LABEL]: runId, ...(node ? { [NODE_LABEL]: node } : {}) };
}

/** Who made a run's namespace: a later run or `--cleanup` removes it once that process is gone (a kill -9). */
export const OWNER_PID_LABEL = 'certdrill.pid';
export const OWNER_HOST_LABEL = 'certdrill.host';

export function namespaceObject(namespace: string, runId: string, owner: { pid: number; host: string }): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { ...labels(runId), [OWNER_PID_LABEL]: String(owner.pid), [OWNER_HOST_LABEL]: labelValue(owner.host) } },
  };
}

/** A host name as a label value (at most 63 characters of [A-Za-z0-9._-]). */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
