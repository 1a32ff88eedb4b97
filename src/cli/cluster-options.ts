import { PLATFORMS, type ClusterOptions, type PlatformName } from '../platform/index.js';
import { UsageError } from '../util/errors.js';

/**
 * The options that point a command at a cluster a kubeconfig reaches
 * (`--platform kubernetes`), as every command that runs scenarios takes them.
 */
export const CLUSTER_OPTION_SPECS = {
  context: { type: 'string' },
  'image-registry': { type: 'string' },
  'storage-class': { type: 'string' },
  'yes-this-cluster': { type: 'boolean', default: false },
} as const;

export const CLUSTER_OPTIONS_USAGE = '--context NAME (else its current one), --storage-class NAME (else its default), --yes-this-cluster';

interface ClusterValues {
  context?: string;
  'image-registry'?: string;
  'storage-class'?: string;
  'yes-this-cluster'?: boolean;
}

/** The --platform value as a platform certdrill has, or one line saying which there are. */
export function platformNamed(name: string | undefined): PlatformName {
  if (!PLATFORMS.includes(name as PlatformName)) throw new UsageError(`unknown platform "${name}": use one of ${PLATFORMS.join(', ')}`);
  return name as PlatformName;
}

/** The first cluster option given, if any. */
export function clusterOptionGiven(values: ClusterValues): string | undefined {
  return (Object.keys(CLUSTER_OPTION_SPECS) as (keyof ClusterValues)[]).find((o) => values[o] !== undefined && values[o] !== false);
}

export function clusterOptions(values: ClusterValues): ClusterOptions {
  return {
    context: values.context,
    imageRegistry: values['image-registry'],
    storageClass: values['storage-class'],
    yesThisCluster: values['yes-this-cluster'],
  };
}

/**
 * The cluster options for `platform`, checked before a line of progress: given
 * without --platform kubernetes, a missing registry, a production-looking
 * context are each one line (exit 2). The context comes back resolved (the
 * kubeconfig's current one when none was named).
 */
export async function checkedClusterOptions(platform: PlatformName, values: ClusterValues): Promise<ClusterOptions | undefined> {
  const given = clusterOptionGiven(values);
  if (platform !== 'kubernetes') {
    if (given) throw new UsageError(`--${given} goes with --platform kubernetes`);
    return undefined;
  }
  const options = clusterOptions(values);
  // Loaded only here: the Kubernetes client takes most of a second to load.
  const { checkClusterOptions } = await import('../platform/kubernetes/kubernetes-platform.js');
  const { target } = checkClusterOptions(options);
  return { ...options, context: target.context };
}

/** The same options as a command line, for a child run. */
export function clusterArguments(options: ClusterOptions | undefined): string[] {
  if (!options) return [];
  return [
    ...(options.context ? ['--context', options.context] : []),
    ...(options.imageRegistry ? ['--image-registry', options.imageRegistry] : []),
    ...(options.storageClass ? ['--storage-class', options.storageClass] : []),
    ...(options.yesThisCluster ? ['--yes-this-cluster'] : []),
  ];
}
