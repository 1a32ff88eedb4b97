import type { ClusterOptions, EnvironmentError, ImageSource, Platform } from './types.js';

export type { ClusterOptions } from './types.js';

export const PLATFORMS = ['docker', 'kind', 'kubernetes'] as const;
export type PlatformName = (typeof PLATFORMS)[number];
/** Where certdrill makes (or is) the whole platform itself; a cluster of the user's is reached with `ClusterOptions`. */
export const OWN_PLATFORMS = ['docker', 'kind'] as const satisfies readonly PlatformName[];

/** Why a command that takes only certdrill's own platforms (matrix) does not take this one. */
export function platformProblem(platform: string): string {
  if (platform === 'kubernetes')
    return 'this command runs on docker or kind; on a cluster of your own, run scenarios with run, all, stability or rehearse --platform kubernetes';
  return `unknown platform "${platform}": use one of ${OWN_PLATFORMS.join(', ')}`;
}

export interface PlatformOptions extends ClusterOptions {
  runId: string;
  progress?: (line: string) => void;
  /** kind: where the kubeconfig and cluster config go. */
  workDir?: string;
  /** kind: keep the cluster after the run. */
  keepCluster?: boolean;
  /** kind: leave the cluster to a later run of the same suite. */
  shareCluster?: boolean;
  /** kind: aborts a node-image build under way. */
  signal?: AbortSignal;
  /** docker: told once when the engine stops answering in the middle of a run. */
  onLost?: (error: EnvironmentError) => void;
}

/** What some platforms can do beyond the interface every scenario uses. */
export interface PlatformExtras {
  /** Removes what runs killed outright left behind; returns how many runs' worth. */
  sweepAbandoned?(options?: { adopt?: boolean; kept?: boolean }): Promise<number>;
  /** Makes ready what the platform itself runs on (kind: the node image and the kind CLI); returns what it uses. */
  prepare?(): Promise<string>;
  /** What the platform runs nodes on, by component, as it reports it (kind: kind, Kubernetes, the node image). */
  versions?(): Promise<Record<string, string>>;
  /**
   * Makes ready, now, what starting nodes of these images needs (the images
   * built; kind: the cluster, the run's namespace, the images loaded), so a
   * run can start its clock after the slow part. `issuing`: the nodes will
   * request their certificates from an issuer in the cluster (cert-manager
   * installed, the requesting image loaded).
   */
  readyFor?(images: ImageSource[], options?: { issuing?: boolean }): Promise<void>;
  /** The cores the cluster can give scenarios run side by side (kubernetes: allocatable CPU over its schedulable nodes). */
  capacity?(): Promise<number | undefined>;
  /** Deletes a shared cluster this process created (kind), after the last run that used it. */
  releaseCluster?(): Promise<void>;
}

/** Loads only the platform asked for: kind's Kubernetes client alone takes seconds to import. */
export async function createPlatform(name: PlatformName, options: PlatformOptions): Promise<Platform & PlatformExtras> {
  switch (name) {
    case 'docker':
      return new (await import('./docker/docker-platform.js')).DockerPlatform(options);
    case 'kind':
      return new (await import('./kind/kind-platform.js')).KindPlatform(options);
    case 'kubernetes':
      return new (await import('./kubernetes/kubernetes-platform.js')).KubernetesPlatform(options);
  }
}
