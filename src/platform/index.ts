import { DockerPlatform } from './docker/docker-platform.js';
import { KindPlatform } from './kind/kind-platform.js';
import type { Platform } from './types.js';

export const PLATFORMS = ['docker', 'kind'] as const;
export type PlatformName = (typeof PLATFORMS)[number];

export interface PlatformOptions {
  runId: string;
  progress?: (line: string) => void;
  /** kind: where the kubeconfig and cluster config go. */
  workDir?: string;
  /** kind: keep the cluster after the run. */
  keepCluster?: boolean;
}

export function createPlatform(name: PlatformName, options: PlatformOptions): Platform & { sweepAbandoned?(): Promise<number> } {
  switch (name) {
    case 'docker':
      return new DockerPlatform(options);
    case 'kind':
      return new KindPlatform(options);
  }
}
