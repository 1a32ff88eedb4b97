import { execa } from 'execa';
import type { PlatformName } from '../../src/platform/index.js';
import { LABEL_PID } from '../../src/platform/docker/labels.js';
import { VOLUME_ROOT } from '../../src/platform/kind/cluster-config.js';

export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
  /** kind: the cluster's certdrill namespaces, and the runs' persistent folders in its node. */
  namespaces?: string[];
  nodeFolders?: string[];
}

/** Which certdrill objects to count: those made by these processes only (others may run on the same engine meanwhile). */
export interface LeftoverScope {
  /** The certdrill processes whose objects count (label certdrill.pid); every certdrill object when omitted. */
  pids?: Iterable<number>;
  /** Another engine than the default one, as a `docker --host` value. */
  host?: string;
}

/** What a finished run may leave: nothing (on kind, the cluster itself stays for the next test). */
export const NOTHING_LEFT: Record<PlatformName, Leftovers> = {
  docker: { containers: [], networks: [], volumes: [] },
  kind: { containers: [], networks: [], volumes: [], namespaces: [], nodeFolders: [] },
  // The tests' "remote" cluster is the kind cluster, reached through its kubeconfig: read the same way.
  kubernetes: { containers: [], networks: [], volumes: [], namespaces: [], nodeFolders: [] },
};

/** What carries certdrill's labels: Docker objects, and on kind the namespaces and volumes in the cluster. */
export async function certdrillLeftovers(platform: PlatformName = 'docker', scope: LeftoverScope = {}): Promise<Leftovers> {
  const pids = scope.pids ? new Set([...scope.pids].map(String)) : undefined;
  const host = scope.host ? ['--host', scope.host] : [];
  const list = async (name: string, ...args: string[]) =>
    (await execa('docker', [...host, ...args, '--filter', 'label=certdrill=true', '--format', `${name}\t{{.Label "${LABEL_PID}"}}`])).stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t') as [string, string])
      .filter(([, pid]) => !pids || pids.has(pid))
      .map(([object]) => object);
  const found: Leftovers = {
    containers: await list('{{.Names}}', 'ps', '-a'),
    networks: await list('{{.Name}}', 'network', 'ls'),
    volumes: await list('{{.Name}}', 'volume', 'ls'),
  };
  if (platform !== 'docker') {
    // Read inside the node with the cluster's own kubectl: a check apart from the client certdrill uses.
    const kubectl = async (...args: string[]) =>
      (
        await execa('docker', ['exec', 'certdrill-control-plane', 'kubectl', '--kubeconfig', '/etc/kubernetes/admin.conf', ...args, '-o', 'name'], {
          reject: false,
        })
      ).stdout
        .split('\n')
        .filter(Boolean);
    found.namespaces = await kubectl('get', 'namespaces', '-l', 'app.kubernetes.io/part-of=certdrill');
    const folders = await execa('docker', ['exec', 'certdrill-control-plane', 'ls', '-A', VOLUME_ROOT], { reject: false });
    found.nodeFolders = folders.stdout.split('\n').filter(Boolean);
  }
  return found;
}
