import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeSpec } from '../../src/platform/types.js';
import { clusterService, nodeObjects, secretName } from '../../src/platform/kubernetes/objects.js';
import { hostPathVolume, kindClusterConfig } from '../../src/platform/kind/cluster-config.js';
import { erlang, erlangCluster } from '../../src/workload/erlang/index.js';
import { etcd, kopsEtcdCluster } from '../../src/workload/etcd/index.js';

const reference = new Date('2026-11-23T00:00:00Z');
const options = {
  namespace: 'certdrill-run1',
  runId: 'run1',
  image: 'certdrill/erlang-app:abc',
  offsetSeconds: 31 * 86_400,
  pullPolicy: 'Never' as const,
  volume: hostPathVolume('certdrill-run1'),
};

describe('Kubernetes objects of an Erlang node', () => {
  const setup = erlangCluster({ reference });
  setup.nodes[2]!.preflightMarginSeconds = 7 * 86_400;
  // The pod of a libfaketime node (Erlang's default is certdrill-clock, whose pod the etcd block below holds to its shape).
  for (const node of setup.nodes) node.clockBy = 'libfaketime';
  const specs = erlang.deploy(setup).start(reference).specs;
  const node1 = nodeObjects(specs[0]!, options);
  const node3 = nodeObjects(specs[2]!, options);
  const pod = node1.deployment.spec!.template.spec!;
  const container = pod.containers[0]!;

  it("is a one-replica Deployment the run's labels select, recreated pod by pod", () => {
    expect(node1.deployment.metadata).toMatchObject({ name: 'node1', namespace: 'certdrill-run1' });
    expect(node1.deployment.spec!.replicas).toBe(1);
    expect(node1.deployment.spec!.strategy!.type).toBe('Recreate');
    expect(node1.deployment.spec!.selector.matchLabels).toEqual({ 'certdrill.node': 'node1', 'certdrill.run': 'run1' });
    expect(node1.deployment.spec!.template.metadata!.labels).toMatchObject({ 'certdrill.node': 'node1', 'certdrill.run': 'run1' });
  });

  it('answers to its short name on a headless Service that lists it before it is ready', () => {
    expect(pod.hostname).toBe('node1');
    expect(pod.subdomain).toBe('certdrill');
    expect(node1.service.metadata!.name).toBe('node1');
    expect(node1.service.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ port: 8080, targetPort: 8080 }] });
    // Probes reach each node at the kind node's address, ready or not.
    expect(node1.reach!.metadata!.name).toBe('node1-reach');
    expect(node1.reach!.spec).toMatchObject({
      type: 'NodePort',
      publishNotReadyAddresses: true,
      selector: node1.service.spec!.selector,
      ports: [{ port: 8080, targetPort: 8080 }],
    });
    expect(clusterService('certdrill-run1', 'run1').spec).toMatchObject({ clusterIP: 'None', selector: { 'certdrill.run': 'run1' } });
  });

  it('holds the node certificate, key and CA in a Secret mounted where erlang-app reads them, the key 0600', () => {
    const secret = node1.secrets.find((s) => s.metadata!.name === secretName('node1', '/certdrill/certs'))!;
    expect(Object.keys(secret.data!).sort()).toEqual(['ca.crt', 'node.crt', 'node.key']);
    expect(Buffer.from(secret.data!['node.key']!, 'base64').toString()).toContain('PRIVATE KEY');
    const volume = pod.volumes!.find((v) => v.secret?.secretName === secret.metadata!.name)!;
    expect(volume.secret!.items!.find((i) => i.key === 'node.key')!.mode).toBe(0o600);
    expect(container.volumeMounts).toContainEqual({ name: volume.name, mountPath: '/certdrill/certs', readOnly: true });
  });

  it('runs under libfaketime, its clock file in an emptyDir an init container fills from the clock ConfigMap', () => {
    const env = Object.fromEntries(container.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      CERTDRILL_NODE: 'certdrill@node1',
      FAKETIME_TIMESTAMP_FILE: '/certdrill/clock/faketime.rc',
      DONT_FAKE_MONOTONIC: '1',
    });
    expect(env.LD_PRELOAD).toContain('libfaketime.so.1');
    expect(node1.clock.data).toEqual({ 'faketime.rc': '+2678400\n' });
    expect(pod.initContainers![0]).toMatchObject({
      name: 'clock',
      command: ['sh', '-c', 'cp /certdrill/clock-initial/faketime.rc /certdrill/clock/faketime.rc'],
    });
    expect(pod.volumes).toContainEqual({ name: 'clock', emptyDir: {} });
  });

  it('has a readiness probe on its port and uses the image loaded into kind', () => {
    expect(container.readinessProbe!.tcpSocket!.port).toBe(8080);
    expect(container).toMatchObject({ image: 'certdrill/erlang-app:abc', imagePullPolicy: 'Never' });
  });

  it('runs the pre-flight check as an init container only where the scenario asks for it', () => {
    expect(pod.initContainers!.map((c) => c.name)).toEqual(['clock']);
    const init = node3.deployment.spec!.template.spec!.initContainers!;
    expect(init.map((c) => c.name)).toEqual(['clock', 'preflight']);
    expect(init[1]!.command).toEqual(['/app/bin/preflight.sh']);
    expect(init[1]!.env).toContainEqual({ name: 'CERTDRILL_PREFLIGHT_MARGIN', value: String(7 * 86_400) });
  });
});

describe('Kubernetes objects of a kops etcd member', () => {
  it('keeps its data and pki on a folder of the kind node that outlives the pod, the etcd-manager layout inside it', async () => {
    const spec = etcd.deploy({ clusters: [await kopsEtcdCluster({ reference })] }).start(reference).specs[0]!;
    const member = nodeObjects(spec, { ...options, image: 'certdrill/etcd-member:abc', imageCommand: ['/certdrill/bin/start-member.sh'] });
    const pod = member.deployment.spec!.template.spec!;
    expect(pod.volumes).toContainEqual({
      name: 'data-0',
      hostPath: { path: '/var/local/certdrill/certdrill-run1/etcd-a-master-vol', type: 'DirectoryOrCreate' },
    });
    const mounts = pod.containers[0]!.volumeMounts!.map((m) => m.mountPath);
    expect(mounts[0]).toBe('/mnt/master-vol-vol-etcd-a');
    expect(mounts.some((m) => /^\/mnt\/master-vol-vol-etcd-a\/pki\/[0-9a-f]{16}\/clients$/.test(m))).toBe(true);
    expect(mounts.some((m) => /^\/mnt\/master-vol-vol-etcd-a\/pki\/[0-9a-f]{16}\/peers$/.test(m))).toBe(true);
    const peers = member.secrets.find((s) => s.metadata!.name!.endsWith('-peers'))!;
    expect(Object.keys(peers.data!).sort()).toEqual(['ca.crt', 'me.crt', 'me.key']);
    expect(member.service.spec!.ports).toEqual([{ name: 'p4001', port: 4001, targetPort: 4001 }]);
    expect(pod.hostname).toBe('etcd-a');
  });
});

describe('the kind cluster config', () => {
  it("on certdrill's own node image: kind's default CNI off, kubeadm told the CoreDNS and etcd tags that were preloaded", () => {
    const config = kindClusterConfig('certdrill', { coredns: 'v1.14.7', etcd: 'v3.5.23' });
    expect(config).toContain('networking:\n  disableDefaultCNI: true\n');
    expect(config).toContain('    dns:\n      imageTag: v1.14.7\n');
    expect(config).toContain('    etcd:\n      local:\n        imageTag: 3.5.23-0\n');
  });

  it("on kind's own node image: kind's defaults, one control-plane node whose containerd reads registry hosts from certs.d", () => {
    expect(kindClusterConfig('kindest')).toBe(
      'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n' +
        'containerdConfigPatches:\n  - |-\n    [plugins."io.containerd.grpc.v1.cri".registry]\n      config_path = "/etc/containerd/certs.d"\n',
    );
  });
});

describe('Kubernetes objects of a node under certdrill-clock (etcd members, by default)', () => {
  const imageCommand = ['/certdrill/bin/start-member.sh'];
  let spec: NodeSpec;
  let container: V1Container;
  let pod: V1PodSpec;
  beforeAll(async () => {
    spec = etcd.deploy({ clusters: [await kopsEtcdCluster({ reference })] }).start(reference).specs[0]!;
    pod = nodeObjects(spec, { ...options, image: 'certdrill/etcd-member:abc', imageCommand }).deployment.spec!.template.spec!;
    container = pod.containers[0]!;
  });

  it("runs the image's own command behind the shim, with the clock file, and no libfaketime", () => {
    expect(spec.clockBy).toBe('certdrill-clock');
    expect(container.command).toEqual(['/usr/local/lib/certdrill/certdrill-clock', '-f', '/certdrill/clock/faketime.rc', '--', ...imageCommand]);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    expect(env.LD_PRELOAD).toBeUndefined();
    expect(env.CERTDRILL_CLOCK_BY).toBe('certdrill-clock');
  });

  it('asks for no capability and no seccomp or privilege setting: the shim needs none', () => {
    expect(container.securityContext).toBeUndefined();
    expect(pod.securityContext).toBeUndefined();
  });

  it("refuses to be built without the image's command, which the pod must then name", () => {
    expect(() => nodeObjects(spec, { ...options, image: 'certdrill/etcd-member:abc' })).toThrow(/needs the image's command/);
  });

  it("leaves a libfaketime node's command to its image", () => {
    const libfaketime = nodeObjects({ ...spec, clockBy: 'libfaketime' }, { ...options, image: 'certdrill/etcd-member:abc' }).deployment.spec!.template
      .spec!.containers[0]!;
    expect(libfaketime.command).toBeUndefined();
    expect(libfaketime.env?.find((e) => e.name === 'LD_PRELOAD')?.value).toBe('/usr/local/lib/certdrill/libfaketime.so.1');
  });
});

describe('Kubernetes objects of a node with no ports (the toy, probed through exec)', () => {
  it('has its headless Service and no NodePort Service, which the API server would refuse without a port', () => {
    const spec: NodeSpec = { name: 'node1', image: { repository: 'certdrill/toy-node', context: '/x' }, env: {}, files: [], clock: '+0', ports: [] };
    const objects = nodeObjects(spec, options);
    expect(objects.service.metadata!.name).toBe('node1');
    expect(objects.reach).toBeUndefined();
  });
});

describe('Kubernetes objects of an Erlang node issued by cert-manager', () => {
  const { ca } = erlangCluster({ reference });
  const setup = erlang.deploy({ issuer: { ca, trustBundle: true }, nodes: [{ name: 'node1', trusts: ca, clock: '+0', clockBy: 'libfaketime' }] });
  const [spec] = setup.start(reference).specs;
  const objects = nodeObjects(spec!, { ...options, requestImage: 'certdrill/cert-request:abc' });
  const pod = objects.deployment.spec!.template.spec!;

  it('requests its certificate in erlclu-init, as a service account that may, into a volume of the pod, before the node starts', () => {
    expect(pod.serviceAccountName).toBe('certdrill-cert-requester');
    const init = pod.initContainers!.find((c) => c.name === 'erlclu-init')!;
    expect(init.image).toBe('certdrill/cert-request:abc');
    const env = Object.fromEntries(init.env!.map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
    expect(env).toMatchObject({
      ISSUER: 'erlclu-issuer',
      COMMON_NAME: 'node1',
      DNS_NAMES: 'node1',
      POD_NAME: 'metadata.name',
      CERT_DIR: '/certdrill/certs',
    });
    // Its trust comes from the bundle the pod mounts, not from the issuer's answer.
    expect(env.TRUST_FILE).toBe('/certdrill/trust-bundle/ca.crt');
    expect(objects.trust!.data!['ca.crt']).toContain('BEGIN CERTIFICATE');
    // No Secret carries the node's key: it is made in the pod.
    expect(objects.secrets.flatMap((s) => Object.keys(s.data ?? {}))).not.toContain('node.key');
    const node = pod.containers[0]!;
    expect(node.volumeMounts!.some((m) => m.mountPath === '/certdrill/certs' && m.name === 'requested-certs')).toBe(true);
  });
});
