import { CoreV1Api } from '@kubernetes/client-node';
import { abandoned, certdrillNamespaces, deleteCertdrillNamespace } from './namespaces.js';
import { ensureAnswers, type KubernetesTarget } from './target.js';
import { OWNER_HOST_LABEL, OWNER_PID_LABEL } from './labels.js';

/**
 * What runs killed outright left in a cluster: certdrill's namespaces (by
 * name and label both) whose run, on this host, has ended. Nothing else is
 * ever deleted; a namespace of a run still going, or of another host's, is
 * named and left.
 */
export async function sweepKubernetes(target: KubernetesTarget, progress: (line: string) => void): Promise<number> {
  await ensureAnswers(target);
  const core = target.kc.makeApiClient(CoreV1Api);
  const namespaces = await certdrillNamespaces(core);
  let removed = 0;
  for (const ns of namespaces) {
    const name = ns.metadata!.name!;
    if (abandoned(ns)) {
      progress(`removing namespace ${name}, left by an interrupted run`);
      await deleteCertdrillNamespace(core, name);
      removed += 1;
    } else if (!ns.metadata?.deletionTimestamp) {
      const labels = ns.metadata?.labels ?? {};
      progress(
        `namespace ${name}: its run (process ${labels[OWNER_PID_LABEL] ?? '?'} on ${labels[OWNER_HOST_LABEL] ?? '?'}) may still be going: left`,
      );
    }
  }
  return removed;
}
