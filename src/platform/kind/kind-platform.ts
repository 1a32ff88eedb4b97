import { mkdir } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
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
} from '../types.js';
import { CERT_MANAGER_IMAGE, CERT_MANAGER_IMAGE_ENV, installCertManager } from './cert-manager/install.js';
import { EnvironmentError } from '../../util/errors.js';
import { applyIssuer, CERT_REQUEST_IMAGE, ensureRequester, REQUEST_CONTAINER, requestsOfPod } from './cert-manager/issuing.js';
import { checkDockerForKind, KindCli } from './kind-cli.js';
import { kindNodeCacheDir, kindNodeVersions, resolveNodeImage } from './node-image.js';
import { runChild } from '../../util/child-process.js';
import { clusterService, kindClusterConfig, nodeObjects, reachServiceName, VOLUME_ROOT, type NodeObjects } from './objects.js';
import { firstLine } from '../../util/text.js';
import { labels, labelValue, namespaceObject, NODE_LABEL, RUN_LABEL } from '../kubernetes/labels.js';
import { abandoned, certdrillNamespaces, deleteCertdrillNamespace, ignoreNotFound, isNotFound, processRuns } from '../kubernetes/namespaces.js';

export const CLUSTER = 'certdrill';
/** kind names its node container after the cluster. */
const NODE_CONTAINER = `${CLUSTER}-control-plane`;
const READY_TIMEOUT_MS = 120_000;
/** How long a started node's ports may take to answer at the kind node's address (kube-proxy's rules for a new pod). */
const REACH_TIMEOUT_MS = 10_000;
/** The API server's port on the kind node's own address: what tells whether this host reaches that address at all. */
const APISERVER_NODE_PORT = 6443;
/** Who created the cluster and whether it is to be kept: a ConfigMap in the cluster, so any certdrill process can tell. */
const OWNER_CONFIGMAP = { name: 'certdrill-cluster', namespace: 'default' };

export interface KindPlatformOptions {
  runId: string;
  /** Where the kubeconfig and the cluster config go. */
  workDir?: string;
  /** Keep the cluster after the run (a later run reuses it); the run's namespace is removed either way. */
  keepCluster?: boolean;
  progress?: (line: string) => void;
  /** Leave the cluster to a later run of the same suite (which releases it), whatever keepCluster says. */
  shareCluster?: boolean;
  /** Aborts a node-image build under way (Ctrl-C). */
  signal?: AbortSignal;
}

interface KindNode {
  spec: NodeSpec;
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
  /** Port-forwards through the API server, where this host cannot reach the kind node's address. */
  forwards: Map<number, { server: Server; port: number }>;
}

/**
 * Nodes as pods on a kind cluster. The cluster's lifecycle goes through the
 * real kind CLI; everything inside it through @kubernetes/client-node.
 */
export class KindPlatform implements Platform {
  readonly name = 'kind';
  private readonly kind = new KindCli();
  private readonly docker: DockerPlatform;
  private readonly nodes = new Map<string, KindNode>();
  private readonly listeners: LogListener[] = [];
  private readonly loaded = new Set<string>();
  private readonly namespace: string;
  private kc?: KubeConfig;
  private core?: CoreV1Api;
  private apps?: AppsV1Api;
  private ownsCluster = false;
  private namespaceMade = false;
  /** The kind node's address when this host reaches it (Linux, local engine); null: go through port-forwards. */
  private nodeAddress?: string | null;
  private certManager?: Promise<void>;
  private requestImage?: string;
  private readonly requestListeners: ((request: CertificateRequestSeen) => void)[] = [];

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

  constructor(private readonly options: KindPlatformOptions) {
    this.docker = new DockerPlatform({ runId: options.runId, progress: options.progress });
    this.namespace = `certdrill-${options.runId}`.toLowerCase();
  }

  async check(): Promise<void> {
    await checkDockerForKind();
    await this.docker.check();
    if (!(await this.kind.available())) await this.kind.ensureBuildable();
  }

  /** The node image (built here when no registry gives kind's own) and the kind CLI. */
  async prepare(): Promise<string> {
    await this.check();
    const node = await resolveNodeImage(kindNodeVersions().KINDEST_NODE_IMAGE, (line) => this.progress(line), this.options.signal);
    if (!(await this.kind.available())) await this.kind.build((line) => this.progress(line));
    return `${node.image} (${node.flavour}), ${await this.kind.version()}`;
  }

  async versions(): Promise<Record<string, string>> {
    const versions: Record<string, string> = {};
    const kind = /v\d+\.\d+\.\d+\S*/.exec(await this.kind.version())?.[0];
    if (kind) versions.kind = kind;
    const node = (await this.api().core.listNode()).items[0];
    if (node?.status?.nodeInfo) {
      versions.Kubernetes = node.status.nodeInfo.kubeletVersion;
      versions.containerd = node.status.nodeInfo.containerRuntimeVersion.replace(/^containerd:\/\//, '');
    }
    const image = await runChild('docker', ['inspect', '--format', '{{.Config.Image}}', NODE_CONTAINER], { reject: false, timeout: 15_000 });
    if (image.exitCode === 0) versions['kind node image'] = image.stdout.trim();
    return versions;
  }

  /**
   * Built with Docker (reused when built before); once this run has its
   * cluster, also loaded into the cluster's node unless the node has it.
   */
  async prepareImage(image: ImageSource): Promise<string> {
    const tag = await this.docker.prepareImage(image);
    if (this.kc && !this.loaded.has(tag)) {
      if (await this.nodeHasImage(tag)) {
        this.progress(`image ${tag}: already in kind cluster ${CLUSTER}`);
      } else {
        this.progress(`image ${tag}: loading into kind cluster ${CLUSTER}`);
        await this.kind.loadImage(CLUSTER, tag);
      }
      this.loaded.add(tag);
    }
    return tag;
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
      await installCertManager(this.api().kc, this.namespace, image, (line) => this.progress(line));
    })();
    await this.certManager;
  }

  /**
   * An image named by the user (cert-manager's published controller, from a
   * registry this host reaches or already pulled), loaded into the node.
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
    if (!this.loaded.has(image)) {
      if (!(await this.nodeHasImage(image))) {
        this.progress(`image ${image}: loading into kind cluster ${CLUSTER}`);
        await this.kind.loadImage(CLUSTER, image);
      }
      this.loaded.add(image);
    }
    return image;
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
      const image = await this.prepareImage(spec.image);
      // certdrill-clock goes in front of what the image runs, which a pod's `command` must then name.
      const imageCommand = spec.clockBy === 'certdrill-clock' ? await this.docker.imageCommand(image) : undefined;
      this.nodes.set(spec.name, { spec, image, imageCommand, offsetSeconds: offsetSeconds(spec.clock), forwards: new Map(), running: false });
    }
    await Promise.all(specs.map((spec) => this.create(this.node(spec.name))));
    await Promise.all(specs.map((spec) => this.awaitPod(this.node(spec.name), undefined)));
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

  private async forwardedEndpoint(node: KindNode, port: number): Promise<Endpoint> {
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

  private async nodePort(node: KindNode, port: number): Promise<number> {
    if (!node.nodePorts) {
      const service = await this.api().core.readNamespacedService({ name: reachServiceName(node.spec.name), namespace: this.namespace });
      node.nodePorts = new Map((service.spec?.ports ?? []).filter((p) => p.nodePort).map((p) => [Number(p.targetPort ?? p.port), p.nodePort!]));
    }
    const nodePort = node.nodePorts.get(port);
    if (nodePort === undefined) throw new Error(`node ${node.spec.name} does not expose port ${port}`);
    return nodePort;
  }

  /** The kind node's InternalIP if a TCP connection from here to its API server port succeeds; asked once per run. */
  private async reachableNodeAddress(): Promise<string | null> {
    if (this.nodeAddress !== undefined) return this.nodeAddress;
    const node = (await this.api().core.listNode()).items[0];
    const address = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    this.nodeAddress = address && (await tcpConnects(address, APISERVER_NODE_PORT, 2000)) ? address : null;
    if (!this.nodeAddress)
      this.progress(`kind node address ${address ?? '(none)'} unreachable from this host: probes go through API server port-forwards (slower)`);
    return this.nodeAddress;
  }

  /** Waits, boundedly, until the started node's first port accepts at its reach address: kube-proxy programs a new pod's NodePort rules a moment after it starts. */
  private async awaitReachable(node: KindNode): Promise<void> {
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
      this.progress(`removing namespace ${this.namespace} and its data folders`);
      await this.removeRunObjects(this.namespace).catch((error) =>
        this.progress(`could not remove namespace ${this.namespace}: ${firstLine(error)}`),
      );
    }
    const failedToCreate = this.ownsCluster && !this.kc;
    if (this.ownsCluster && (failedToCreate || (!this.options.keepCluster && !this.options.shareCluster))) {
      this.progress(`deleting kind cluster ${CLUSTER} (--keep-cluster keeps it)`);
      await this.kind.delete(CLUSTER).catch((error) => this.progress(`could not delete kind cluster ${CLUSTER}: ${firstLine(error)}`));
    }
    await this.docker.cleanup();
  }

  /**
   * Removes what runs killed outright left: their containers and networks,
   * their namespaces and volumes in the cluster, and the cluster itself when
   * the run that created it meant to delete it. `adopt`: a starting run takes
   * such a cluster over (and deletes it when it ends) instead of deleting it now.
   * `kept`: also delete a cluster kept with --keep-cluster once its run has ended.
   */
  async sweepAbandoned(options: { adopt?: boolean; kept?: boolean } = {}): Promise<number> {
    let swept = await this.docker.sweepAbandoned();
    if (!(await this.kind.available()) || !(await this.kind.clusters()).includes(CLUSTER)) {
      if (options.kept) this.progress(`no kind cluster ${CLUSTER} to delete`);
      return swept;
    }
    await this.connect();
    const { core } = this.api();
    for (const ns of (await certdrillNamespaces(core)).filter(abandoned)) {
      const name = ns.metadata!.name!;
      this.progress(`removing namespace ${name}, left by an interrupted run`);
      await this.removeRunObjects(name);
      swept += 1;
    }
    const owner = await this.clusterOwner();
    const fate = clusterFate(owner, options);
    if (fate === 'adopt') {
      this.progress(`kind cluster ${CLUSTER}: its creator is gone; this run takes it over`);
      await this.recordOwner(Boolean(this.options.keepCluster));
      this.ownsCluster = true;
      swept += 1;
    } else if (fate === 'delete') {
      this.progress(`deleting kind cluster ${CLUSTER}, ${owner!.keep ? 'kept by an earlier run' : 'left by an interrupted run'}`);
      await this.kind.delete(CLUSTER);
      this.kc = undefined;
      swept += 1;
    } else if (options.kept && fate === 'in-use') {
      this.progress(`kind cluster ${CLUSTER} is in use by process ${owner!.pid} on ${owner!.host}: left as it is`);
    } else if (options.kept && fate === 'not-ours') {
      this.progress(
        `kind cluster ${CLUSTER} has no record of the certdrill run that made it: left as it is (kind delete cluster --name ${CLUSTER} deletes it)`,
      );
    }
    return swept;
  }

  /** Deletes the cluster if this process created (or took over) it; what the suite calls after its last scenario. */
  async releaseCluster(): Promise<void> {
    if (!(await this.kind.available()) || !(await this.kind.clusters()).includes(CLUSTER)) return;
    await this.connect();
    const owner = await this.clusterOwner();
    if (owner?.pid === process.pid && owner.host === labelValue(hostname())) {
      this.progress(`deleting kind cluster ${CLUSTER} (--keep-cluster keeps it)`);
      await this.kind.delete(CLUSTER);
    }
  }

  private objects(node: KindNode): NodeObjects {
    return nodeObjects(node.spec, {
      namespace: this.namespace,
      runId: this.options.runId,
      image: node.image,
      imageCommand: node.imageCommand,
      offsetSeconds: node.offsetSeconds,
      requestImage: this.requestImage,
    });
  }

  private async create(node: KindNode): Promise<void> {
    await this.apply(node, 'create');
  }

  private async apply(node: KindNode, how: 'create' | 'replace'): Promise<void> {
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
  private async awaitPod(node: KindNode, old: string | undefined): Promise<void> {
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
  private async recordRequests(node: KindNode): Promise<void> {
    const requests = await requestsOfPod(this.api().kc, this.namespace, node.spec.name, node.pod!).catch((error) => {
      this.progress(`node ${node.spec.name}: could not read its CertificateRequests: ${firstLine(error)}`);
      return [];
    });
    for (const request of requests) for (const listener of this.requestListeners) listener(request);
  }

  private async followLogs(node: KindNode, container: string, follow: boolean): Promise<void> {
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

  private async ensureCluster(): Promise<void> {
    if (this.kc) return;
    await this.check();
    // On a machine with Go but no kind, the first run builds kind before it can ask it anything.
    if (!(await this.kind.available())) await this.kind.build((line) => this.progress(line));
    if (!(await this.kind.clusters()).includes(CLUSTER)) {
      const versions = kindNodeVersions();
      const node = await resolveNodeImage(versions.KINDEST_NODE_IMAGE, (line) => this.progress(line), this.options.signal);
      this.progress(`kind cluster ${CLUSTER}: creating it from ${node.image} (under a minute)`);
      const dir = await this.workDir();
      const started = Date.now();
      // Owned from the start: a create that fails or is interrupted leaves a half-made cluster for cleanup to delete.
      this.ownsCluster = true;
      const config = kindClusterConfig(node.flavour, { coredns: versions.COREDNS_VERSION, etcd: versions.ETCD_VERSION });
      await this.kind.create(CLUSTER, node.image, config, join(dir, 'kind-cluster.yaml'), (line) => this.progress(line), this.options.signal);
      this.progress(`kind cluster ${CLUSTER}: created in ${Math.round((Date.now() - started) / 1000)} s`);
      await this.connect();
      await this.recordOwner(Boolean(this.options.keepCluster));
    } else {
      this.progress(`kind cluster ${CLUSTER}: reusing it`);
      await this.connect();
    }
    await this.awaitClusterReady();
  }

  /** The kubeconfig of the cluster (mode 0600, in the run's folder) and API clients from it. */
  private async connect(): Promise<void> {
    if (this.kc) return;
    const kubeconfig = join(await this.workDir(), 'kubeconfig');
    await this.kind.kubeconfig(CLUSTER, kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  private async workDir(): Promise<string> {
    // Outside a run (--cleanup, a suite's release) the kubeconfig goes to certdrill's cache, never into the work tree.
    const dir = this.options.workDir ?? join(kindNodeCacheDir(), '..', 'cluster');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Pods can be scheduled and resolve names: the node is Ready and CoreDNS answers. */
  private async awaitClusterReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const { core, apps } = this.api();
    let waiting = 'the node';
    while (Date.now() < deadline) {
      const nodes = (await core.listNode().catch(() => ({ items: [] }))).items;
      const nodeReady = nodes.length > 0 && nodes.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const dns = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' }).catch(() => undefined);
      const dnsReady = (dns?.status?.readyReplicas ?? 0) > 0;
      if (nodeReady && dnsReady) return;
      waiting = nodeReady ? 'CoreDNS' : 'the node';
      await sleep(1000);
    }
    throw new Error(`kind cluster ${CLUSTER}: ${waiting} did not become ready within ${READY_TIMEOUT_MS / 1000} s`);
  }

  private async ensureNamespace(): Promise<void> {
    await this.ensureCluster();
    if (this.namespaceMade) return;
    const owner = { pid: process.pid, host: hostname() };
    await this.api().core.createNamespace({ body: namespaceObject(this.namespace, this.options.runId, owner) });
    this.namespaceMade = true;
    await this.api().core.createNamespacedService({ namespace: this.namespace, body: clusterService(this.namespace, this.options.runId) });
  }

  /** The run's namespace (waiting until it is gone) and its persistent folders in the node. */
  private async removeRunObjects(namespace: string): Promise<void> {
    await deleteCertdrillNamespace(this.api().core, namespace);
    // The persistent folders live in the node container; the API has no way to remove them.
    await runChild('docker', ['exec', NODE_CONTAINER, 'rm', '-rf', `${VOLUME_ROOT}/${namespace}`], { reject: false, timeout: 30_000 });
  }

  private async nodeHasImage(tag: string): Promise<boolean> {
    const nodes = (await this.api().core.listNode()).items;
    const names = (n: (typeof nodes)[number]) => (n.status?.images ?? []).flatMap((i) => i.names ?? []);
    return nodes.length > 0 && nodes.every((n) => names(n).some((name) => name === tag || name.endsWith(`/${tag}`)));
  }

  private async clusterOwner(): Promise<ClusterOwner | undefined> {
    const map = await this.api()
      .core.readNamespacedConfigMap(OWNER_CONFIGMAP)
      .catch(() => undefined);
    if (!map?.data) return undefined;
    const pid = Number(map.data.pid);
    const host = map.data.host ?? '';
    return { pid, host, keep: map.data.keep === 'true', gone: host === labelValue(hostname()) && !processRuns(pid) };
  }

  private async recordOwner(keep: boolean): Promise<void> {
    const body = { metadata: OWNER_CONFIGMAP, data: { pid: String(process.pid), host: labelValue(hostname()), keep: String(keep) } };
    const { core } = this.api();
    await core.replaceNamespacedConfigMap({ ...OWNER_CONFIGMAP, body }).catch(async (error) => {
      if (!isNotFound(error)) throw error;
      await core.createNamespacedConfigMap({ namespace: OWNER_CONFIGMAP.namespace, body });
    });
  }

  private api(): { kc: KubeConfig; core: CoreV1Api; apps: AppsV1Api } {
    if (!this.kc || !this.core || !this.apps) throw new Error('the kind cluster is not ready yet');
    return { kc: this.kc, core: this.core, apps: this.apps };
  }

  private node(name: string): KindNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node named ${name} in this run (nodes: ${[...this.nodes.keys()].join(', ') || 'none'})`);
    return node;
  }

  private progress(line: string): void {
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

/** A namespace whose run's process (on this host) is gone. */
/** The run that made the cluster, as its ConfigMap records it. */
export interface ClusterOwner {
  pid: number;
  host: string;
  /** Made with --keep-cluster: no run deletes it unless asked to (cleanup --cluster). */
  keep: boolean;
  /** Its process has ended (on this host; another host's is never taken for gone). */
  gone: boolean;
}

/**
 * What a sweep does with certdrill's kind cluster: delete it (or adopt it, for
 * a starting run) when the run that made it is gone and did not keep it, or
 * kept it and `kept` asks for it too; never while that run is still running,
 * nor a cluster with no owner record (not made by certdrill).
 */
export function clusterFate(
  owner: ClusterOwner | undefined,
  options: { adopt?: boolean; kept?: boolean },
): 'adopt' | 'delete' | 'in-use' | 'not-ours' | 'leave' {
  if (!owner) return 'not-ours';
  if (!owner.gone) return 'in-use';
  if (owner.keep && !options.kept) return 'leave';
  return options.adopt && !owner.keep ? 'adopt' : 'delete';
}
