import { hostname } from 'node:os';
import { connect, createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { PassThrough, Writable } from 'node:stream';
import { AppsV1Api, CoreV1Api, Exec, KubeConfig, Log, PortForward, type V1Pod, type V1Status } from '@kubernetes/client-node';
import { writeClockFileCommand } from '../../clock/faketime.js';
import { offsetSeconds, type ClockSpec } from '../../clock/spec.js';
import { DockerPlatform } from '../docker/docker-platform.js';
import {
  applyChanges,
  onNodeClock,
  type Endpoint,
  type ExecResult,
  type ImageSource,
  type LogListener,
  type NodeChanges,
  type CertificateIssuing,
  type CertificateRequestSeen,
  type IssuerSpec,
  type NodeSpec,
  type Platform,
  type ClusterOptions,
} from '../types.js';
import { CERT_MANAGER_IMAGE, CERT_MANAGER_IMAGE_ENV, installCertManager } from './cert-manager/install.js';
import { EnvironmentError, UsageError } from '../../util/errors.js';
import { applyIssuer, CERT_REQUEST_IMAGE, ensureRequester, REQUEST_CONTAINER, requestsOfPod } from './cert-manager/issuing.js';
import { runChild } from '../../util/child-process.js';
import {
  claimName,
  clusterService,
  nodeObjects,
  reachServiceName,
  volumeClaim,
  volumeOwner,
  type NodeObjects,
  type VolumeSource,
} from './objects.js';
import { firstLine } from '../../util/text.js';
import { labels, namespaceObject, NODE_LABEL, RUN_LABEL } from './labels.js';
import { abandoned, certdrillNamespaces, deleteCertdrillNamespace, ignoreNotFound, isNotFound } from './namespaces.js';
import { ensureAnswers, kubernetesTarget, type KubernetesTarget } from './target.js';
import { ensureRegistryAnswers, parseRegistry, pushImage, registryReference } from './registry.js';
import { defaultStorageClass } from './storage.js';
import { allocatableCores } from './capacity.js';

const READY_TIMEOUT_MS = 120_000;
/** How long a started node's ports may take to answer at a node's address (kube-proxy's rules for a new pod). */
const REACH_TIMEOUT_MS = 10_000;
/** The kubelet's port: every node listens on it, so a connection to it tells whether this host reaches that node's address at all. */
const KUBELET_PORT = 10250;

export interface KubernetesPlatformOptions extends ClusterOptions {
  runId: string;
  /** Where the kubeconfig (kind) goes. */
  workDir?: string;
  progress?: (line: string) => void;
  /** Aborts a build or push under way (Ctrl-C). */
  signal?: AbortSignal;
}

export interface KubernetesNode {
  spec: NodeSpec;
  /** The image as the pod names it. */
  image: string;
  /** The image's entrypoint and command, for a node under certdrill-clock. */
  imageCommand?: string[];
  offsetSeconds: number;
  pod?: string;
  /** Its container runs (false while a pod's init container refused to start it, as a stopped container on docker). */
  running: boolean;
  logs?: AbortController;
  /** The node's ports as NodePorts of its reach Service (read once it exists). */
  nodePorts?: Map<number, number>;
  /** Port-forwards through the API server, where this host cannot reach a node's address. */
  forwards: Map<number, { server: Server; port: number }>;
}

/**
 * What a run on a cluster of the user's is told, checked without asking
 * anything of the cluster: a registry to push to, and a context that is not
 * production (unless meant). Throws the one line that says what to do.
 */
export function checkClusterOptions(options: ClusterOptions): { registry: string; target: KubernetesTarget } {
  if (!options.imageRegistry)
    throw new UsageError(
      "--platform kubernetes needs --image-registry REGISTRY: a registry this host pushes certdrill's images to and the cluster's nodes pull from",
    );
  const registry = parseRegistry(options.imageRegistry);
  return { registry, target: kubernetesTarget({ context: options.context, yesThisCluster: options.yesThisCluster }) };
}

/**
 * Nodes as pods on any Kubernetes cluster a kubeconfig reaches: a namespace
 * per run (the only thing certdrill creates or deletes there), a Deployment
 * per node, images pushed to a registry the cluster pulls from, persistent
 * folders as PersistentVolumeClaims. Everything goes through
 * @kubernetes/client-node. KindPlatform is this with a cluster of its own.
 */
export class KubernetesPlatform implements Platform {
  readonly name: string = 'kubernetes';
  protected readonly docker: DockerPlatform;
  private readonly nodes = new Map<string, KubernetesNode>();
  private readonly listeners: LogListener[] = [];
  /** Built images by local tag, as the pods name them once delivered to the cluster. */
  private readonly delivered = new Map<string, string>();
  protected readonly namespace: string;
  protected kc?: KubeConfig;
  private core?: CoreV1Api;
  private apps?: AppsV1Api;
  protected namespaceMade = false;
  /** A node's address this host reaches (the NodePort path); null: go through the API server's port-forwards. */
  private nodeAddress?: Promise<string | null>;
  private certManager?: Promise<void>;
  private requestImage?: string;
  private storageClass?: Promise<string>;
  private readonly requestListeners: ((request: CertificateRequestSeen) => void)[] = [];
  /** Images are pulled where they were pushed; kind loads them into its node instead. */
  protected readonly pullPolicy: 'Never' | 'IfNotPresent' = 'IfNotPresent';

  /** cert-manager in the run's namespace: Issuers made here sign what the nodes' init containers request. */
  readonly issuing: CertificateIssuing = {
    applyIssuer: async (issuer: IssuerSpec) => {
      await this.startCertManager();
      const ready = await applyIssuer(this.api().kc, this.namespace, issuer, labels(this.options.runId));
      this.progress(`Issuer ${issuer.name} on Secret ${issuer.secretName}: Ready ${ready.status}${ready.message ? ` (${ready.message})` : ''}`);
      return ready;
    },
    onRequest: (listener) => void this.requestListeners.push(listener),
  };

  constructor(protected readonly options: KubernetesPlatformOptions) {
    this.docker = new DockerPlatform({ runId: options.runId, progress: options.progress });
    this.namespace = `certdrill-${options.runId}`.toLowerCase();
  }

  /**
   * The context (refused if it looks like production), its API server, the
   * registry, and Docker to build the images: each one line and exit 2 where
   * missing, before anything is made.
   */
  async check(): Promise<void> {
    const { registry, target } = checkClusterOptions(this.options);
    await this.docker.check();
    await ensureAnswers(target);
    await ensureRegistryAnswers(registry);
  }

  async versions(): Promise<Record<string, string>> {
    return { context: kubernetesTarget({ context: this.options.context, yesThisCluster: true }).context, ...(await this.nodeVersions()) };
  }

  /** The cores the cluster can give scenarios: allocatable CPU over the nodes its pods can be scheduled on. */
  async capacity(): Promise<number | undefined> {
    await this.ensureConnected();
    return allocatableCores((await this.api().core.listNode()).items);
  }

  /** What the cluster's nodes run, as the first of them reports it. */
  protected async nodeVersions(): Promise<Record<string, string>> {
    const versions: Record<string, string> = {};
    const node = (
      await this.api()
        .core.listNode()
        .catch(() => ({ items: [] }))
    ).items[0];
    if (node?.status?.nodeInfo) {
      versions.Kubernetes = node.status.nodeInfo.kubeletVersion;
      versions.containerd = node.status.nodeInfo.containerRuntimeVersion.replace(/^containerd:\/\//, '');
    }
    return versions;
  }

  /** Built with Docker (reused when built before); once this run reaches its cluster, delivered there (pushed, or loaded on kind). */
  async prepareImage(image: ImageSource): Promise<string> {
    const tag = await this.docker.prepareImage(image);
    return this.kc ? (this.delivered.get(tag) ?? (await this.deliver(tag))) : tag;
  }

  private async deliver(tag: string): Promise<string> {
    const reference = await this.deliverImage(tag);
    this.delivered.set(tag, reference);
    return reference;
  }

  /** Makes the built image available to the cluster's nodes; returns the name the pods give it. */
  protected async deliverImage(tag: string): Promise<string> {
    const reference = registryReference(this.registry(), tag);
    this.progress(`image ${tag}: pushing it as ${reference}`);
    await pushImage(tag, reference, this.options.signal);
    return reference;
  }

  /**
   * cert-manager (the incident-era controller, built offline) serving the
   * run's namespace: its CRDs installed, its controller running there. The
   * namespace goes with the run; the CRDs stay with the cluster.
   */
  async startCertManager(): Promise<void> {
    this.certManager ??= (async () => {
      await this.ensureNamespace();
      const published = process.env[CERT_MANAGER_IMAGE_ENV];
      const image = published ? await this.preparePublishedImage(published, CERT_MANAGER_IMAGE_ENV) : await this.prepareImage(CERT_MANAGER_IMAGE);
      await installCertManager(this.api().kc, this.namespace, image, (line) => this.progress(line), this.pullPolicy);
    })();
    await this.certManager;
  }

  /**
   * An image named by the user (cert-manager's published controller, from a
   * registry this host reaches or already pulled), delivered to the cluster.
   */
  private async preparePublishedImage(image: string, variable: string): Promise<string> {
    const present = async () => (await runChild('docker', ['image', 'inspect', image], { reject: false, timeout: 30_000 })).exitCode === 0;
    if (!(await present())) {
      this.progress(`image ${image}: pulling it (${variable})`);
      const pulled = await runChild('docker', ['pull', image], { reject: false, timeout: 300_000 });
      if (pulled.exitCode !== 0)
        throw new EnvironmentError(
          `${variable}=${image}: not on this host and cannot be pulled (${firstLine(pulled.stderr || pulled.stdout)}): pull or load it, or unset ${variable} to build it from the Go module proxy`,
        );
    }
    return this.delivered.get(image) ?? this.deliver(image);
  }

  /** The run's namespace, where its nodes and what serves them run. */
  get runNamespace(): string {
    return this.namespace;
  }

  /** The namespace and the nodes' images; with `issuing`, also cert-manager and the image that requests certificates. */
  async readyFor(images: ImageSource[], options: { issuing?: boolean } = {}): Promise<void> {
    await this.ensureNamespace();
    for (const image of images) await this.prepareImage(image);
    if (options.issuing) await this.readyToRequest();
  }

  private async readyToRequest(): Promise<void> {
    await this.startCertManager();
    this.requestImage ??= await this.prepareImage(CERT_REQUEST_IMAGE);
    await ensureRequester(this.api().kc, this.namespace, labels(this.options.runId));
  }

  async startNodes(specs: NodeSpec[]): Promise<void> {
    await this.ensureNamespace();
    if (specs.some((spec) => spec.requests)) await this.readyToRequest();
    for (const spec of specs) {
      const built = await this.docker.prepareImage(spec.image);
      const image = await this.prepareImage(spec.image);
      // certdrill-clock goes in front of what the image runs, which a pod's `command` must then name.
      const imageCommand = spec.clockBy === 'certdrill-clock' ? await this.docker.imageCommand(built) : undefined;
      this.nodes.set(spec.name, { spec, image, imageCommand, offsetSeconds: offsetSeconds(spec.clock), forwards: new Map(), running: false });
    }
    await this.createVolumes(specs);
    await Promise.all(specs.map((spec) => this.create(this.node(spec.name))));
    await Promise.all(specs.map((spec) => this.awaitPod(this.node(spec.name), undefined)));
  }

  /** Where the nodes' persistent folders come from: a claim each, made with the run's other objects (`createVolumes`). */
  protected volumeSource(): VolumeSource {
    return (owner, volume) => ({ persistentVolumeClaim: { claimName: claimName(owner, volume.name) } });
  }

  /** The claims of the nodes' persistent folders, one per folder (a shared one once), from the StorageClass said at start. */
  protected async createVolumes(specs: NodeSpec[]): Promise<void> {
    const owned = new Map<string, { owner: string; volume: string }>();
    for (const spec of specs)
      for (const volume of spec.volumes ?? []) {
        const owner = volumeOwner(spec.name, volume);
        owned.set(claimName(owner, volume.name), { owner, volume: volume.name });
      }
    if (owned.size === 0) return;
    this.storageClass ??= (async () => {
      const storage = await defaultStorageClass(this.api().kc, this.options.storageClass);
      this.progress(
        `persistent folders: claims of StorageClass ${storage}${this.options.storageClass ? '' : ' (the cluster default; --storage-class names another)'}`,
      );
      return storage;
    })();
    const storageClass = await this.storageClass;
    const { core } = this.api();
    for (const [name, { owner, volume }] of owned) {
      const exists = await core.readNamespacedPersistentVolumeClaim({ name, namespace: this.namespace }).catch(() => undefined);
      if (!exists)
        await core.createNamespacedPersistentVolumeClaim({
          namespace: this.namespace,
          body: volumeClaim({ namespace: this.namespace, runId: this.options.runId, owner, volume, storageClass }),
        });
    }
  }

  async restartNode(name: string, changes: NodeChanges = {}): Promise<void> {
    const node = this.node(name);
    node.spec = applyChanges(node.spec, changes);
    if (changes.clock !== undefined) node.offsetSeconds = offsetSeconds(changes.clock);
    // The new spec (Secrets, clock ConfigMap, Deployment) first; then the pod goes and its controller makes a new one.
    await this.apply(node, 'replace');
    const old = node.pod;
    node.running = false;
    node.logs?.abort();
    if (old) await this.api().core.deleteNamespacedPod({ name: old, namespace: this.namespace, gracePeriodSeconds: 0 }).catch(ignoreNotFound);
    await this.awaitPod(node, old);
  }

  async setClock(name: string, clock: ClockSpec): Promise<number> {
    const node = this.node(name);
    const offset = offsetSeconds(clock);
    const result = await this.exec(name, writeClockFileCommand(offset));
    if (result.exitCode !== 0) throw new Error(`could not set the clock of ${name}: ${result.stderr.trim()}`);
    node.offsetSeconds = offset;
    // A recreated pod starts from the ConfigMap: keep it at the clock the node has now.
    await this.api().core.replaceNamespacedConfigMap({ name: `${name}-clock`, namespace: this.namespace, body: this.objects(node).clock });
    return offset;
  }

  clockOffset(name: string): number {
    return this.node(name).offsetSeconds;
  }

  async exec(name: string, command: string[]): Promise<ExecResult> {
    const node = this.node(name);
    if (!node.pod || !node.running) throw new Error(`node ${name} is not running`);
    const stdout = collector();
    const stderr = collector();
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(this.api().kc)
        .exec(this.namespace, node.pod!, 'node', onNodeClock(node.spec, command), stdout.stream, stderr.stream, null, false, resolve)
        .catch(reject);
    });
    const exitCode = status.status === 'Success' ? 0 : Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? 1);
    return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
  }

  /**
   * The node's port at the kind node's address (its reach Service), as a
   * client on the network reaches a pod; where this host cannot reach that
   * address, a local port forwarded through the API server. Either follows
   * the pod across restarts.
   */
  async endpoint(name: string, port: number): Promise<Endpoint> {
    const node = this.node(name);
    if (!node.pod || !node.running) throw new Error(`node ${name} is not running`);
    const address = await this.reachableNodeAddress();
    if (address) return { host: address, port: await this.nodePort(node, port) };
    return this.forwardedEndpoint(node, port);
  }

  private async forwardedEndpoint(node: KubernetesNode, port: number): Promise<Endpoint> {
    let forward = node.forwards.get(port);
    if (!forward) {
      const forwarder = new PortForward(this.api().kc);
      const server = createServer((socket) => {
        // The probe may close its end while the API server still sends: its own error is the probe's to see, not a crash.
        socket.on('error', () => socket.destroy());
        if (!node.pod || !node.running) return socket.destroy();
        forwarder.portForward(this.namespace, node.pod, [port], socket, null, socket).catch(() => socket.destroy());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      forward = { server, port: (server.address() as { port: number }).port };
      node.forwards.set(port, forward);
    }
    return { host: '127.0.0.1', port: forward.port };
  }

  private async nodePort(node: KubernetesNode, port: number): Promise<number> {
    if (!node.nodePorts) {
      const service = await this.api().core.readNamespacedService({ name: reachServiceName(node.spec.name), namespace: this.namespace });
      node.nodePorts = new Map((service.spec?.ports ?? []).filter((p) => p.nodePort).map((p) => [Number(p.targetPort ?? p.port), p.nodePort!]));
    }
    const nodePort = node.nodePorts.get(port);
    if (nodePort === undefined) throw new Error(`node ${node.spec.name} does not expose port ${port}`);
    return nodePort;
  }

  /**
   * A node's address this host reaches (its kubelet port answers): probes go
   * to NodePorts there, as a client on the network reaches a pod; where none
   * answers, through the API server's port-forwards. Tried once per run, and said.
   */
  private reachableNodeAddress(): Promise<string | null> {
    // Nodes start together: the first asks, the others wait for its answer.
    this.nodeAddress ??= this.findNodeAddress();
    return this.nodeAddress;
  }

  private async findNodeAddress(): Promise<string | null> {
    const addresses = (await this.api().core.listNode()).items.flatMap((node) =>
      (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address),
    );
    let found: string | null = null;
    for (const address of addresses)
      if (await tcpConnects(address, KUBELET_PORT, 2000)) {
        found = address;
        break;
      }
    this.progress(
      found
        ? `probes reach the nodes' ports at node address ${found} (NodePorts)`
        : `node addresses ${addresses.join(', ') || '(none)'} unreachable from this host: probes go through API server port-forwards (slower)`,
    );
    return found;
  }

  /** Waits, boundedly, until the started node's first port accepts at its reach address: kube-proxy programs a new pod's NodePort rules a moment after it starts. */
  private async awaitReachable(node: KubernetesNode): Promise<void> {
    const port = node.spec.ports[0];
    const address = await this.reachableNodeAddress();
    if (port === undefined || !address) return;
    const nodePort = await this.nodePort(node, port);
    const deadline = Date.now() + REACH_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (await tcpConnects(address, nodePort, 1000)) return;
      await sleep(200);
    }
    this.progress(
      `node ${node.spec.name}: port ${port} not reachable at ${address}:${nodePort} within ${REACH_TIMEOUT_MS / 1000} s; its probes will say what they find`,
    );
  }

  onLog(listener: LogListener): void {
    this.listeners.push(listener);
  }

  async cleanup(): Promise<void> {
    for (const node of this.nodes.values()) {
      node.logs?.abort();
      for (const { server } of node.forwards.values()) server.close();
    }
    if (this.namespaceMade && this.core) {
      this.progress(`removing namespace ${this.namespace} and what is in it`);
      await this.removeRunObjects(this.namespace).catch((error) =>
        this.progress(`could not remove namespace ${this.namespace}: ${firstLine(error)}`),
      );
    }
    await this.docker.cleanup();
  }

  /**
   * Removes what runs of this host killed outright left: their namespaces
   * (certdrill's by name and label both, whose process has ended), and their
   * image builds' containers. Nothing else in the cluster is touched.
   */
  async sweepAbandoned(_options: { adopt?: boolean; kept?: boolean } = {}): Promise<number> {
    let swept = await this.docker.sweepAbandoned();
    await this.ensureConnected();
    for (const ns of (await certdrillNamespaces(this.api().core)).filter(abandoned)) {
      const name = ns.metadata!.name!;
      this.progress(`removing namespace ${name}, left by an interrupted run`);
      await this.removeRunObjects(name);
      swept += 1;
    }
    return swept;
  }

  private objects(node: KubernetesNode): NodeObjects {
    return nodeObjects(node.spec, {
      namespace: this.namespace,
      runId: this.options.runId,
      image: node.image,
      imageCommand: node.imageCommand,
      offsetSeconds: node.offsetSeconds,
      requestImage: this.requestImage,
      pullPolicy: this.pullPolicy,
      volume: this.volumeSource(),
    });
  }

  private async create(node: KubernetesNode): Promise<void> {
    await this.apply(node, 'create');
  }

  private async apply(node: KubernetesNode, how: 'create' | 'replace'): Promise<void> {
    const { core, apps } = this.api();
    const namespace = this.namespace;
    const o = this.objects(node);
    const upsert = async (create: () => Promise<unknown>, replace: () => Promise<unknown>) => {
      if (how === 'create') return create();
      await replace().catch(async (error) => (isNotFound(error) ? create() : Promise.reject(error)));
    };
    for (const body of o.secrets) {
      await upsert(
        () => core.createNamespacedSecret({ namespace, body }),
        () => core.replaceNamespacedSecret({ name: body.metadata!.name!, namespace, body }),
      );
    }
    const trust = o.trust;
    if (trust)
      await upsert(
        () => core.createNamespacedConfigMap({ namespace, body: trust }),
        () => core.replaceNamespacedConfigMap({ name: trust.metadata!.name!, namespace, body: trust }),
      );
    await upsert(
      () => core.createNamespacedConfigMap({ namespace, body: o.clock }),
      () => core.replaceNamespacedConfigMap({ name: o.clock.metadata!.name!, namespace, body: o.clock }),
    );
    if (how === 'create') {
      await core.createNamespacedService({ namespace, body: o.service });
      if (o.reach) await core.createNamespacedService({ namespace, body: o.reach });
      await apps.createNamespacedDeployment({ namespace, body: o.deployment });
    } else {
      await apps.replaceNamespacedDeployment({ name: node.spec.name, namespace, body: o.deployment });
    }
  }

  /** Waits for the node's pod other than `old` to run and log its ready line (or its pre-flight refusal), then follows its log. */
  private async awaitPod(node: KubernetesNode, old: string | undefined): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const selector = `${NODE_LABEL}=${node.spec.name},${RUN_LABEL}=${this.options.runId}`;
    while (Date.now() < deadline) {
      const pods = (await this.api().core.listNamespacedPod({ namespace: this.namespace, labelSelector: selector })).items;
      const pod = pods.find((p) => p.metadata?.name !== old && !p.metadata?.deletionTimestamp);
      if (pod && (started(pod) || initFailed(pod))) {
        node.pod = pod.metadata!.name!;
        node.running = !initFailed(pod);
        // The init containers' verdicts are log events either way: a refusal, or the "ok" before the node starts.
        if (node.spec.requests) {
          await this.followLogs(node, REQUEST_CONTAINER, false);
          await this.recordRequests(node);
        }
        if (node.spec.preflight && !failedInit(pod, REQUEST_CONTAINER)) await this.followLogs(node, 'preflight', false);
        if (initFailed(pod)) return;
        await this.followLogs(node, 'node', true);
        await this.awaitReachable(node);
        return;
      }
      await sleep(500);
    }
    throw new Error(`node ${node.spec.name} did not start within ${READY_TIMEOUT_MS / 1000} s`);
  }

  /** The CertificateRequests the node's pod made, as the API server holds them now. */
  private async recordRequests(node: KubernetesNode): Promise<void> {
    const requests = await requestsOfPod(this.api().kc, this.namespace, node.spec.name, node.pod!).catch((error) => {
      this.progress(`node ${node.spec.name}: could not read its CertificateRequests: ${firstLine(error)}`);
      return [];
    });
    for (const request of requests) for (const listener of this.requestListeners) listener(request);
  }

  private async followLogs(node: KubernetesNode, container: string, follow: boolean): Promise<void> {
    const out = new PassThrough();
    let resolveReady!: () => void;
    const ready = new Promise<void>((resolve) => (resolveReady = resolve));
    const lines = createInterface({ input: out, crlfDelay: Infinity });
    lines.on('line', (line) => {
      for (const listener of this.listeners) listener(node.spec.name, line);
      if (!node.spec.readyLog || node.spec.readyLog.test(line)) resolveReady();
    });
    lines.on('close', resolveReady);
    node.logs = await new Log(this.api().kc).log(this.namespace, node.pod!, container, out, { follow });
    await Promise.race([ready, sleep(READY_TIMEOUT_MS)]);
  }

  /** The cluster, reached: its API clients ready. */
  protected async ensureConnected(): Promise<void> {
    if (this.kc) return;
    const target = kubernetesTarget({ context: this.options.context, yesThisCluster: this.options.yesThisCluster });
    await ensureAnswers(target);
    this.progress(`context ${target.context}: API server ${target.server}`);
    this.useConfig(target.kc);
  }

  protected useConfig(kc: KubeConfig): void {
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  protected forget(): void {
    this.kc = undefined;
    this.core = undefined;
    this.apps = undefined;
  }

  private async ensureNamespace(): Promise<void> {
    await this.ensureConnected();
    if (this.namespaceMade) return;
    const owner = { pid: process.pid, host: hostname() };
    await this.api().core.createNamespace({ body: namespaceObject(this.namespace, this.options.runId, owner) });
    this.namespaceMade = true;
    await this.api().core.createNamespacedService({ namespace: this.namespace, body: clusterService(this.namespace, this.options.runId) });
  }

  /** A run's namespace, with everything in it (its claims too), waiting until it is gone. */
  protected async removeRunObjects(namespace: string): Promise<void> {
    await deleteCertdrillNamespace(this.api().core, namespace);
  }

  private registry(): string {
    return checkClusterOptions(this.options).registry;
  }

  protected api(): { kc: KubeConfig; core: CoreV1Api; apps: AppsV1Api } {
    if (!this.kc || !this.core || !this.apps) throw new Error(`the ${this.name} cluster is not reached yet`);
    return { kc: this.kc, core: this.core, apps: this.apps };
  }

  private node(name: string): KubernetesNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node named ${name} in this run (nodes: ${[...this.nodes.keys()].join(', ') || 'none'})`);
    return node;
  }

  protected progress(line: string): void {
    this.options.progress?.(line);
  }
}

function tcpConnects(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function started(pod: V1Pod): boolean {
  return pod.status?.containerStatuses?.some((c) => c.name === 'node' && (c.state?.running || c.state?.terminated)) === true;
}

/** An init container that decides whether the node starts (its certificate request, the pre-flight check) refused. */
function initFailed(pod: V1Pod): boolean {
  return failedInit(pod, REQUEST_CONTAINER) || failedInit(pod, 'preflight');
}

/** The init container exited non-zero: it has now, or did before the kubelet's back-off to run it again. */
function failedInit(pod: V1Pod, container: string): boolean {
  return (
    pod.status?.initContainerStatuses?.some(
      (c) => c.name === container && ((c.state?.terminated ?? (c.state?.waiting ? c.lastState?.terminated : undefined))?.exitCode ?? 0) !== 0,
    ) === true
  );
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    }),
    text: () => Buffer.concat(chunks).toString(),
  };
}
