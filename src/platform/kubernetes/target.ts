import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../inventory/kubernetes.js';
import { EnvironmentError, UsageError } from '../../util/errors.js';
import { firstLine } from '../../util/text.js';

/** A regular expression (its source) for context names certdrill refuses unless told --yes-this-cluster. */
export const PRODUCTION_CONTEXTS_ENV = 'CERTDRILL_PRODUCTION_CONTEXTS';
/** prod, production or live as a word of the context's name: kops' and most teams' naming. */
export const DEFAULT_PRODUCTION_CONTEXTS = '(^|[^a-z0-9])(prod|production|live)([^a-z0-9]|$)';

/** A cluster certdrill was pointed at through a kubeconfig: the client configuration and the context's name. */
export interface KubernetesTarget {
  kc: KubeConfig;
  context: string;
  /** The API server's address, as the kubeconfig names it. */
  server: string;
}

export function productionPattern(env: NodeJS.ProcessEnv = process.env): RegExp {
  const source = env[PRODUCTION_CONTEXTS_ENV] ?? DEFAULT_PRODUCTION_CONTEXTS;
  try {
    return new RegExp(source, 'i');
  } catch (error) {
    throw new UsageError(`${PRODUCTION_CONTEXTS_ENV}=${source} is not a regular expression (${(error as Error).message}): fix or unset it`);
  }
}

/**
 * The kubeconfig's context (the one named, else the current one), refused
 * when its name looks like production: certdrill creates and deletes
 * namespaces there, and moves clocks.
 */
export function kubernetesTarget(options: { context?: string; yesThisCluster?: boolean }, env: NodeJS.ProcessEnv = process.env): KubernetesTarget {
  const kc = loadKubeConfig(options.context);
  const context = kc.getCurrentContext();
  if (!context) throw new UsageError('the kubeconfig names no current context: choose one with --context NAME');
  const pattern = productionPattern(env);
  if (pattern.test(context) && !options.yesThisCluster)
    throw new UsageError(
      `context ${context} looks like production (it matches /${pattern.source}/, ${PRODUCTION_CONTEXTS_ENV}): certdrill creates and deletes namespaces there; add --yes-this-cluster if this cluster is meant`,
    );
  const server = kc.getCurrentCluster()?.server ?? '(no server)';
  return { kc, context, server };
}

/** The context's API server answers (a refusal to list namespaces still is an answer); one line where it does not. */
export async function ensureAnswers(target: KubernetesTarget): Promise<void> {
  await target.kc
    .makeApiClient(CoreV1Api)
    .listNamespace({ limit: 1 })
    .catch((error: unknown) => {
      if ((error as { code?: number }).code !== 403)
        throw new EnvironmentError(`context ${target.context}: the API server at ${target.server} does not answer (${firstLine(error)})`);
    });
}
