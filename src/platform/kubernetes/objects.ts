import type {
  V1Affinity,
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1PersistentVolumeClaim,
  V1Secret,
  V1Service,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { CLOCK_DIR, CLOCK_FILE, clockFileContent } from '../../clock/faketime.js';
import { clockEnv } from '../../clock/shim.js';
import { onNodeClock, type NodeFile, type NodeSpec, type NodeVolume } from '../types.js';
import { REQUESTER, requestContainer } from './cert-manager/issuing.js';
import { labels, NODE_LABEL, RUN_LABEL } from './labels.js';

/**
 * The Kubernetes objects one certdrill node is made of, as typed
 * @kubernetes/client-node models. Pure: building them talks to nothing.
 *
 * A node is a one-replica Deployment (deleting its pod is a restart: the
 * ReplicaSet recreates it) behind a headless Service of its own name, so its
 * peers reach it by its short name as they do on Docker; every node also sits
 * behind the run's headless Service `certdrill`, which a real cluster would
 * poll for its peers. Files become Secrets, one per folder; the clock file
 * lives in an emptyDir that an init container fills from the node's clock
 * ConfigMap; persistent folders come from the platform (`VolumeSource`): a
 * folder of the kind node there, a PersistentVolumeClaim on any other cluster.
 */

export const CLUSTER_SERVICE = 'certdrill';
const CLOCK_INITIAL_DIR = '/certdrill/clock-initial';
/** The volume a requested certificate is written to: the pod's own, gone with it, as erlclu's /certs was. */
const REQUESTED = 'requested-certs';
const TRUST_BUNDLE = 'trust-bundle';
/**
 * Where a node's persistent folder comes from. `owner` is the node's name, or
 * `shared` for a folder every node naming it mounts (etcd-manager's discovery
 * and backups, which its masters share as kops' object store).
 */
export type VolumeSource = (owner: string, volume: NodeVolume) => Omit<V1Volume, 'name'>;

/** Whose a persistent folder is: its node's, or every node's of the run. */
export function volumeOwner(node: string, volume: NodeVolume): string {
  return volume.shared ? 'shared' : node;
}

/** The PersistentVolumeClaim holding one persistent folder, by owner and volume (names as Kubernetes allows them). */
export function claimName(owner: string, volume: string): string {
  return `${owner}-${volume}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 253);
}

/**
 * A claim from the cluster's default StorageClass, or the one named. A
 * shared folder's pods all run on the node its claim is bound to (pod
 * affinity, see `nodeObjects`), so ReadWriteOnce serves them too.
 */
export function volumeClaim(options: {
  namespace: string;
  runId: string;
  owner: string;
  volume: string;
  storageClass?: string | undefined;
}): V1PersistentVolumeClaim {
  const { namespace, runId, owner, volume, storageClass } = options;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claimName(owner, volume), namespace, labels: labels(runId, owner === 'shared' ? undefined : owner) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '256Mi' } },
      ...(storageClass ? { storageClassName: storageClass } : {}),
    },
  };
}

export interface NodeObjects {
  secrets: V1Secret[];
  clock: V1ConfigMap;
  service: V1Service;
  /** The node's ports on the kind node's address, for certdrill's probes (see `reachServiceName`); none for a node with no ports. */
  reach?: V1Service;
  deployment: V1Deployment;
  /** The node's trust bundle, when its certificate is requested with one. */
  trust?: V1ConfigMap;
}

/**
 * A NodePort Service per node: certdrill's probes reach the pod at the kind
 * node's address, as a client on the network would, instead of through a
 * port-forward of the API server (a websocket per connection, which on a busy
 * 2-core host added up to 5 s to an answer and broke some off).
 */
export function reachServiceName(node: string): string {
  return `${node}-reach`;
}

/** The headless Service over every node of the run: what peer discovery would look up. */
export function clusterService(namespace: string, runId: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: CLUSTER_SERVICE, namespace, labels: labels(runId) },
    spec: { clusterIP: 'None', selector: { [RUN_LABEL]: runId }, publishNotReadyAddresses: true },
  };
}

/** A folder of files in the node, as the name of the Secret that holds it. */
export function secretName(node: string, dir: string): string {
  const slug = dir
    .replace(/^\/+/, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase()
    .replace(/-+$/, '');
  return `${node}-${slug}`.slice(0, 253);
}

export function nodeObjects(
  spec: NodeSpec,
  options: {
    namespace: string;
    runId: string;
    image: string;
    offsetSeconds: number;
    imageCommand?: string[] | undefined;
    /** The image of the init container that requests the node's certificate (spec.requests). */
    requestImage?: string | undefined;
    /** Never where the images are loaded into the nodes (kind), IfNotPresent where the nodes pull them from a registry. */
    pullPolicy: 'Never' | 'IfNotPresent';
    /** Where the node's persistent folders come from. */
    volume: VolumeSource;
  },
): NodeObjects {
  const { namespace, runId, image } = options;
  const meta = (name: string) => ({ name, namespace, labels: labels(runId, spec.name) });
  const byDir = groupByDir(spec.files);

  const secrets: V1Secret[] = [...byDir].map(([dir, files]) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(secretName(spec.name, dir)),
    type: 'Opaque',
    data: Object.fromEntries(files.map((f) => [basename(f.path), Buffer.from(f.content).toString('base64')])),
  }));
  const trust: V1ConfigMap | undefined = spec.requests?.trust
    ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${spec.name}-trust-bundle`), data: { 'ca.crt': spec.requests.trust } }
    : undefined;
  const clock: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${spec.name}-clock`),
    data: { 'faketime.rc': clockFileContent(options.offsetSeconds) },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(spec.name),
    spec: {
      clusterIP: 'None',
      // Peers must resolve a node before it is ready: they are what makes it ready.
      publishNotReadyAddresses: true,
      selector: { [NODE_LABEL]: spec.name, [RUN_LABEL]: runId },
      ports: spec.ports.map((port) => ({ name: `p${port}`, port, targetPort: port })),
    },
  };
  // A NodePort Service needs a port: a node probed only through exec (the toy) has none, and gets none.
  const reach: V1Service | undefined =
    spec.ports.length === 0
      ? undefined
      : {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: meta(reachServiceName(spec.name)),
          spec: {
            type: 'NodePort',
            // A probe must reach a node that is not ready yet: whether it answers is what the probe is for.
            publishNotReadyAddresses: true,
            selector: { [NODE_LABEL]: spec.name, [RUN_LABEL]: runId },
            ports: spec.ports.map((port) => ({ name: `p${port}`, port, targetPort: port })),
          },
        };

  const volumes: V1Volume[] = [
    { name: 'clock', emptyDir: {} },
    { name: 'clock-initial', configMap: { name: clock.metadata!.name! } },
    ...[...byDir].map(([dir, files], i) => ({
      name: `files-${i}`,
      secret: {
        secretName: secretName(spec.name, dir),
        defaultMode: 0o644,
        items: files.map((f) => ({ key: basename(f.path), path: basename(f.path), mode: f.mode })),
      },
    })),
    ...(spec.requests ? [{ name: REQUESTED, emptyDir: {} }] : []),
    ...(trust ? [{ name: TRUST_BUNDLE, configMap: { name: trust.metadata!.name! } }] : []),
    ...(spec.volumes ?? []).map((v, i) => ({ name: `data-${i}`, ...options.volume(volumeOwner(spec.name, v), v) })),
  ];
  const mounts: V1VolumeMount[] = [
    // Persistent folders first: the Secrets' folders may sit inside them (etcd's pki on its volume).
    ...(spec.volumes ?? []).map((v, i) => ({ name: `data-${i}`, mountPath: v.path })),
    { name: 'clock', mountPath: CLOCK_DIR },
    ...(spec.requests ? [{ name: REQUESTED, mountPath: spec.requests.dir }] : []),
    ...[...byDir.keys()].map((dir, i) => ({ name: `files-${i}`, mountPath: dir, readOnly: true })),
  ];
  const env: V1EnvVar[] = Object.entries({ ...spec.env, ...clockEnv(spec.clockBy ?? 'libfaketime') }).map(([name, value]) => ({ name, value }));
  // Under certdrill-clock the pod runs the image's own command behind the shim. The shim needs no capability
  // and no seccomp setting: it installs its own filter with no_new_privs and traces only its own children.
  if (spec.clockBy === 'certdrill-clock' && !options.imageCommand?.length)
    throw new Error(`node ${spec.name}: certdrill-clock needs the image's command`);
  const command = spec.clockBy === 'certdrill-clock' ? { command: onNodeClock(spec, options.imageCommand!) } : {};

  const initContainers: V1Container[] = [
    {
      name: 'clock',
      image,
      imagePullPolicy: options.pullPolicy,
      command: ['sh', '-c', `cp ${CLOCK_INITIAL_DIR}/faketime.rc ${CLOCK_FILE}`],
      volumeMounts: [
        { name: 'clock', mountPath: CLOCK_DIR },
        { name: 'clock-initial', mountPath: CLOCK_INITIAL_DIR, readOnly: true },
      ],
    },
    // The certificate is requested anew at each start, as erlclu-init did; the pre-flight check, if any, then reads it.
    ...(spec.requests
      ? [
          requestContainer(
            spec.requests,
            requestImage(spec, options.requestImage),
            labels(runId, spec.name),
            REQUESTED,
            trust ? TRUST_BUNDLE : undefined,
            options.pullPolicy,
          ),
        ]
      : []),
    ...(spec.preflight
      ? [{ name: 'preflight', image, imagePullPolicy: options.pullPolicy, command: onNodeClock(spec, spec.preflight), env, volumeMounts: mounts }]
      : []),
  ];

  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(spec.name),
    spec: {
      replicas: 1,
      // One pod at a time, as a restarted node must not meet its old self.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { [NODE_LABEL]: spec.name, [RUN_LABEL]: runId } },
      template: {
        metadata: { labels: { ...labels(runId, spec.name), ...(spec.volumes?.some((v) => v.shared) ? { [SHARED_VOLUME_LABEL]: 'true' } : {}) } },
        spec: {
          hostname: spec.name,
          subdomain: CLUSTER_SERVICE,
          terminationGracePeriodSeconds: 1,
          ...(spec.requests ? { serviceAccountName: REQUESTER } : {}),
          ...(spec.volumes?.some((v) => v.shared) ? { affinity: sharedVolumeAffinity(runId) } : {}),
          initContainers,
          containers: [
            {
              name: 'node',
              image,
              imagePullPolicy: options.pullPolicy,
              ...command,
              env,
              ports: spec.ports.map((containerPort) => ({ containerPort })),
              volumeMounts: mounts,
              ...(spec.ports[0] ? { readinessProbe: { tcpSocket: { port: spec.ports[0] }, periodSeconds: 1 } } : {}),
            },
          ],
          volumes,
        },
      },
    },
  };
  return { secrets, clock, service, deployment, ...(reach ? { reach } : {}), ...(trust ? { trust } : {}) };
}

/** Pods that share a folder run on one node: the first lands where the scheduler puts it, the others join it. */
export const SHARED_VOLUME_LABEL = 'certdrill.shared-volume';

function sharedVolumeAffinity(runId: string): V1Affinity {
  return {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { [RUN_LABEL]: runId, [SHARED_VOLUME_LABEL]: 'true' } }, topologyKey: 'kubernetes.io/hostname' },
      ],
    },
  };
}

function requestImage(spec: NodeSpec, image: string | undefined): string {
  if (!image) throw new Error(`node ${spec.name}: requesting its certificate needs the request image`);
  return image;
}

function groupByDir(files: NodeFile[]): Map<string, NodeFile[]> {
  const byDir = new Map<string, NodeFile[]>();
  for (const f of files) {
    const dir = f.path.slice(0, f.path.lastIndexOf('/')) || '/';
    byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
  }
  return byDir;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
