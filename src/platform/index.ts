import { DockerPlatform } from './docker/docker-platform.js';
import { EnvironmentError, type Platform } from './types.js';

export const PLATFORMS = ['docker', 'kind'] as const;
export type PlatformName = (typeof PLATFORMS)[number];

export interface PlatformOptions {
  runId: string;
  progress?: (line: string) => void;
}

export function createPlatform(name: PlatformName, options: PlatformOptions): Platform & { sweepAbandoned?(): Promise<number> } {
  switch (name) {
    case 'docker':
      return new DockerPlatform(options);
    case 'kind':
      throw new EnvironmentError('the kind platform is not built yet (issue 5): run with --platform docker');
  }
}
