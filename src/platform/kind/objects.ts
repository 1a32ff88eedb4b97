import type {
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1Namespace,
  V1PersistentVolumeClaim,
  V1Secret,
  V1Service,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { CLOCK_DIR, CLOCK_FILE, clockFileContent, faketimeEnv } from '../../clock/faketime.js';
import type { NodeFile, NodeSpec } from '../types.js';

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
 * ConfigMap; persistent folders are PersistentVolumeClaims.
 */

export const APP_LABEL = 'app.kubernetes.io/part-of';
export const NODE_LABEL = 'certdrill.node';
export const RUN_LABEL = 'certdrill.run';
export const CLUSTER_SERVICE = 'certdrill';
const CLOCK_INITIAL_DIR = '/certdrill/clock-initial';

export interface NodeObjects {
  secrets: V1Secret[];
  clock: V1ConfigMap;
  claims: V1PersistentVolumeClaim[];
  service: V1Service;
  deployment: V1Deployment;
}

export function labels(runId: string, node?: string): Record<string, string> {
  return { [APP_LABEL]: 'certdrill', [RUN_LABEL]: runId, ...(node ? { [NODE_LABEL]: node } : {}) };
}

export function namespaceObject(namespace: string, runId: string): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: labels(runId) } };
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
  const slug = dir.replace(/^\/+/, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase().replace(/-+$/, '');
  return `${node}-${slug}`.slice(0, 253);
}

export function nodeObjects(spec: NodeSpec, options: { namespace: string; runId: string; image: string; offsetSeconds: number }): NodeObjects {
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
  const clock: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${spec.name}-clock`), data: { 'faketime.rc': clockFileContent(options.offsetSeconds) } };
  const claims: V1PersistentVolumeClaim[] = (spec.volumes ?? []).map((v) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(`${spec.name}-${v.name}`),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  }));
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

  const volumes: V1Volume[] = [
    { name: 'clock', emptyDir: {} },
    { name: 'clock-initial', configMap: { name: clock.metadata!.name! } },
    ...[...byDir].map(([dir, files], i) => ({
      name: `files-${i}`,
      secret: { secretName: secretName(spec.name, dir), defaultMode: 0o644, items: files.map((f) => ({ key: basename(f.path), path: basename(f.path), mode: f.mode })) },
    })),
    ...claims.map((c, i) => ({ name: `data-${i}`, persistentVolumeClaim: { claimName: c.metadata!.name! } })),
  ];
  const mounts: V1VolumeMount[] = [
    // Persistent folders first: the Secrets' folders may sit inside them (etcd's pki on its volume).
    ...(spec.volumes ?? []).map((v, i) => ({ name: `data-${i}`, mountPath: v.path })),
    { name: 'clock', mountPath: CLOCK_DIR },
    ...[...byDir.keys()].map((dir, i) => ({ name: `files-${i}`, mountPath: dir, readOnly: true })),
  ];
  const env: V1EnvVar[] = Object.entries({ ...spec.env, ...faketimeEnv() }).map(([name, value]) => ({ name, value }));

  const initContainers: V1Container[] = [
    {
      name: 'clock',
      image,
      imagePullPolicy: 'Never',
      command: ['sh', '-c', `cp ${CLOCK_INITIAL_DIR}/faketime.rc ${CLOCK_FILE}`],
      volumeMounts: [
        { name: 'clock', mountPath: CLOCK_DIR },
        { name: 'clock-initial', mountPath: CLOCK_INITIAL_DIR, readOnly: true },
      ],
    },
    ...(spec.preflight
      ? [{ name: 'preflight', image, imagePullPolicy: 'Never', command: spec.preflight, env, volumeMounts: mounts }]
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
        metadata: { labels: labels(runId, spec.name) },
        spec: {
          hostname: spec.name,
          subdomain: CLUSTER_SERVICE,
          terminationGracePeriodSeconds: 1,
          initContainers,
          containers: [
            {
              name: 'node',
              image,
              imagePullPolicy: 'Never',
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
  return { secrets, clock, claims, service, deployment };
}

/** The kind cluster's config: one control-plane node, which also runs the pods. */
export function kindClusterConfig(): string {
  return ['kind: Cluster', 'apiVersion: kind.x-k8s.io/v1alpha4', 'nodes:', '  - role: control-plane', ''].join('\n');
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
