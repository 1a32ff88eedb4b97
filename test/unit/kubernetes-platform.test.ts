import type { V1StorageClass } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { claimName, nodeObjects, volumeClaim } from '../../src/platform/kubernetes/objects.js';
import { parseRegistry, registryReference } from '../../src/platform/kubernetes/registry.js';
import { chooseStorageClass } from '../../src/platform/kubernetes/storage.js';
import { controllerDeployment } from '../../src/platform/kubernetes/cert-manager/install.js';
import type { NodeSpec } from '../../src/platform/types.js';
import { EnvironmentError, UsageError } from '../../src/util/errors.js';

const storageClass = (name: string, provisioner: string, isDefault = false): V1StorageClass => ({
  metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  provisioner,
});

describe('the registry a cluster pulls certdrill images from', () => {
  it('is named as docker names one, and an image keeps its name and content tag under it', () => {
    expect(parseRegistry('localhost:5001')).toBe('localhost:5001');
    expect(parseRegistry('registry.example:5000/team/')).toBe('registry.example:5000/team');
    expect(registryReference('registry.example/team', 'certdrill/erlang-app:abc123')).toBe('registry.example/team/certdrill/erlang-app:abc123');
    for (const bad of ['https://registry.example', 'registry example', ':5000', 'host:port'])
      expect(() => parseRegistry(bad), bad).toThrow(UsageError);
  });
});

describe('the StorageClass of persistent folders', () => {
  const classes = [storageClass('standard', 'kubernetes.io/no-provisioner', true), storageClass('local-path', 'rancher.io/local-path')];

  it('is the one named, else the default, and one that provisions nothing is refused with the others named', () => {
    expect(chooseStorageClass(classes, 'local-path')).toBe('local-path');
    expect(() => chooseStorageClass(classes)).toThrow(
      'StorageClass standard provisions nothing (kubernetes.io/no-provisioner): its claims would wait for volumes made by hand; name one that provisions with --storage-class (it has standard, local-path)',
    );
    expect(chooseStorageClass([storageClass('gp3', 'ebs.csi.aws.com', true), classes[1]!])).toBe('gp3');
  });

  it('is one line where the cluster has none, or not the one named', () => {
    expect(() => chooseStorageClass([])).toThrow(EnvironmentError);
    expect(() => chooseStorageClass([])).toThrow(/no default StorageClass.*--storage-class \(it has none\)$/);
    expect(() => chooseStorageClass(classes, 'fast')).toThrow(
      '--storage-class fast: no such StorageClass in the cluster (it has standard, local-path)',
    );
  });
});

describe("a node's persistent folders on a cluster of the user's", () => {
  const spec = (name: string): NodeSpec => ({
    name,
    image: { repository: 'certdrill/etcd', context: '/nonexistent' },
    files: [],
    env: {},
    clock: '+0s',
    ports: [2379],
    volumes: [
      { name: 'data', path: '/var/etcd' },
      { name: 'discovery', path: '/tmp/discovery', shared: true },
    ],
  });
  const objects = (name: string) =>
    nodeObjects(spec(name), {
      namespace: 'certdrill-run1',
      runId: 'run1',
      image: 'localhost:5001/certdrill/etcd:abc',
      offsetSeconds: 0,
      pullPolicy: 'IfNotPresent',
      volume: (owner, volume) => ({ persistentVolumeClaim: { claimName: claimName(owner, volume.name) } }),
    });

  it('are claims, the node its own and a shared one for every node, on the node the shared claim binds to', () => {
    const pod = objects('etcd-a').deployment.spec!.template.spec!;
    expect(pod.volumes!.filter((v) => v.persistentVolumeClaim).map((v) => v.persistentVolumeClaim!.claimName)).toEqual([
      'etcd-a-data',
      'shared-discovery',
    ]);
    expect(pod.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
    expect(pod.initContainers!.every((c) => c.imagePullPolicy === 'IfNotPresent')).toBe(true);
    const term = pod.affinity!.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0]!;
    expect(term.topologyKey).toBe('kubernetes.io/hostname');
    // Every pod sharing the folder carries what the term selects: the second lands beside the first.
    expect(objects('etcd-b').deployment.spec!.template.metadata!.labels).toMatchObject(term.labelSelector!.matchLabels!);
  });

  it('are claimed from the class chosen, or the default where none is', () => {
    const claim = volumeClaim({ namespace: 'certdrill-run1', runId: 'run1', owner: 'shared', volume: 'discovery', storageClass: 'local-path' });
    expect(claim.metadata).toMatchObject({ name: 'shared-discovery', namespace: 'certdrill-run1' });
    expect(claim.metadata!.labels!['app.kubernetes.io/part-of']).toBe('certdrill');
    expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], storageClassName: 'local-path' });
    expect(volumeClaim({ namespace: 'n', runId: 'r', owner: 'etcd-a', volume: 'data' }).spec!.storageClassName).toBeUndefined();
  });
});

describe("cert-manager's controller on a cluster that pulls its images", () => {
  it('is pulled from the registry where kind has it loaded', () => {
    const pulled = controllerDeployment('certdrill-run1', 'localhost:5001/certdrill/cert-manager-controller:abc', 'IfNotPresent');
    expect(pulled.spec!.template.spec!.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent' });
    const loaded = controllerDeployment('certdrill-run1', 'certdrill/cert-manager-controller:abc', 'Never');
    expect(loaded.spec!.template.spec!.containers[0]).toMatchObject({ imagePullPolicy: 'Never' });
  });
});
