import { execaSync } from 'execa';
import { builtKindCli } from '../../src/platform/kind/node-image.js';
import { MIN_DOCKER_MAJOR } from '../../src/platform/kind/kind-cli.js';

/**
 * Why the kind tests cannot run on this machine, or undefined when they can:
 * a Docker engine new enough for kind's privileged nodes, and kind or the Go
 * toolchain that builds it (the node image is built when missing).
 */
export function kindUnavailable(): string | undefined {
  const docker = execaSync('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false });
  if (docker.failed) return 'no Docker engine is reachable';
  const major = Number(/^(\d+)/.exec(String(docker.stdout))?.[1]);
  if (!(major >= MIN_DOCKER_MAJOR))
    return `Docker ${String(docker.stdout).trim()} cannot start kind's privileged nodes here (${MIN_DOCKER_MAJOR} or newer needed)`;
  const kind = [process.env.CERTDRILL_KIND, 'kind', builtKindCli()]
    .filter((c): c is string => Boolean(c))
    .some((c) => !execaSync(c, ['version'], { reject: false }).failed);
  if (!kind && execaSync('go', ['version'], { reject: false }).failed) return 'neither kind nor the Go toolchain that builds it is installed';
  return undefined;
}
