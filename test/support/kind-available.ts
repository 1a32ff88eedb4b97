import { execaSync } from 'execa';

/** Why the kind tests cannot run here, or undefined when kind and a Docker engine are both there. */
export function kindUnavailable(): string | undefined {
  const kind = execaSync(process.env.CERTDRILL_KIND ?? 'kind', ['version'], { reject: false });
  if (kind.failed) return (kind as { code?: string }).code === 'ENOENT' ? 'kind is not installed' : `kind does not run: ${kind.stderr || kind.message}`;
  const docker = execaSync('docker', ['info'], { reject: false });
  if (docker.failed) return 'no Docker engine is reachable';
  return undefined;
}
