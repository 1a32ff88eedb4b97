import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoreV1Api, V1Namespace } from '@kubernetes/client-node';
import { APP_LABEL, labelValue, OWNER_HOST_LABEL, OWNER_PID_LABEL } from './labels.js';

/** Every namespace certdrill makes is named so, and labelled part-of certdrill: it touches no other. */
export const NAMESPACE_PREFIX = 'certdrill-';
const NAMESPACE_GONE_TIMEOUT_MS = 90_000;

/** A run's namespace: certdrill's name prefix and its label, both. A namespace with only one of them is someone else's. */
export function isCertdrillNamespace(ns: V1Namespace): boolean {
  return (ns.metadata?.name ?? '').startsWith(NAMESPACE_PREFIX) && ns.metadata?.labels?.[APP_LABEL] === 'certdrill';
}

/** certdrill's namespaces in the cluster, by label and name both. */
export async function certdrillNamespaces(core: CoreV1Api): Promise<V1Namespace[]> {
  return (await core.listNamespace({ labelSelector: `${APP_LABEL}=certdrill` })).items.filter(isCertdrillNamespace);
}

/** A namespace whose run's process (on this host) is gone: another host's run is never taken for gone. */
export function abandoned(ns: V1Namespace): boolean {
  const labels = ns.metadata?.labels ?? {};
  if (ns.metadata?.deletionTimestamp) return false;
  if (labels[OWNER_HOST_LABEL] !== labelValue(hostname())) return false;
  const pid = Number(labels[OWNER_PID_LABEL]);
  return Number.isInteger(pid) && pid > 0 && !processRuns(pid);
}

export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Deletes one of certdrill's namespaces and waits (boundedly) until it is
 * gone. Read again first: a name that is not certdrill's by name and label
 * is refused, whoever asks.
 */
export async function deleteCertdrillNamespace(core: CoreV1Api, name: string): Promise<void> {
  const ns = await core.readNamespace({ name }).catch((error) => (isNotFound(error) ? undefined : Promise.reject(error)));
  if (!ns) return;
  if (!isCertdrillNamespace(ns))
    throw new Error(`namespace ${name} is not certdrill's (no ${APP_LABEL}=certdrill label, or not named ${NAMESPACE_PREFIX}*): left alone`);
  await core.deleteNamespace({ name, gracePeriodSeconds: 0 }).catch(ignoreNotFound);
  const deadline = Date.now() + NAMESPACE_GONE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const gone = await core.readNamespace({ name }).then(
      () => false,
      (error) => isNotFound(error),
    );
    if (gone) return;
    await sleep(500);
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

export function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}
