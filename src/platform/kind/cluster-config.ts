import type { V1Volume } from '@kubernetes/client-node';
import type { NodeVolume } from '../types.js';

/**
 * The kind cluster's config: one control-plane node, which also runs the pods.
 * On certdrill's own node image, kind's default CNI (kindnetd, an image from a
 * registry) is off, as a ptp CNI config ships in the image, and kubeadm is
 * told the CoreDNS and etcd tags that were preloaded.
 */
export function kindClusterConfig(flavour: 'certdrill' | 'kindest' | 'custom', versions: { coredns?: string; etcd?: string } = {}): string {
  const lines = ['kind: Cluster', 'apiVersion: kind.x-k8s.io/v1alpha4', 'nodes:', '  - role: control-plane'];
  // A registry's hosts under /etc/containerd/certs.d are read at each pull: one can be added to a running cluster.
  lines.push(
    'containerdConfigPatches:',
    '  - |-',
    '    [plugins."io.containerd.grpc.v1.cri".registry]',
    '      config_path = "/etc/containerd/certs.d"',
  );
  if (flavour === 'certdrill') {
    lines.push('networking:', '  disableDefaultCNI: true', 'kubeadmConfigPatches:', '  - |', '    kind: ClusterConfiguration');
    if (versions.coredns) lines.push('    dns:', `      imageTag: ${versions.coredns}`);
    if (versions.etcd) lines.push('    etcd:', '      local:', `        imageTag: ${versions.etcd.replace(/^v/, '')}-0`);
  }
  return `${lines.join('\n')}\n`;
}

/** Where, inside the kind node, the run's persistent folders live. */
export const VOLUME_ROOT = '/var/local/certdrill';

/**
 * A node's persistent folder (etcd's data volume) on kind: a folder of the
 * kind node, so it outlives the pod. A single-node cluster needs no more;
 * kind's storage provisioner is an image from a registry, and claims bound to
 * volumes made by hand wait for the volume controller's next pass (up to 15 s
 * each).
 */
export function hostPathVolume(namespace: string): (owner: string, volume: NodeVolume) => Omit<V1Volume, 'name'> {
  return (owner, volume) => ({ hostPath: { path: `${VOLUME_ROOT}/${namespace}/${owner}-${volume.name}`, type: 'DirectoryOrCreate' } });
}
