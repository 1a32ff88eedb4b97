import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { AppsV1Api, CoreV1Api, Exec, KubeConfig, Log, PortForward, type V1Pod, type V1Status } from '@kubernetes/client-node';
import { CLOCK_DIR, CLOCK_FILE, clockFileContent } from '../../clock/faketime.js';
import { offsetSeconds, type ClockSpec } from '../../clock/spec.js';
import { DockerPlatform } from '../docker/docker-platform.js';
import { applyChanges, type Endpoint, type ExecResult, type ImageSource, type LogListener, type NodeChanges, type NodeFile, type NodeSpec, type Platform } from '../types.js';
import { KindCli } from './kind-cli.js';
import { clusterService, namespaceObject, nodeObjects, NODE_LABEL, RUN_LABEL, type NodeObjects } from './objects.js';

const CLUSTER = 'certdrill';
const READY_TIMEOUT_MS = 120_000;

export interface KindPlatformOptions {
  runId: string;
  /** Where the kubeconfig and the cluster config go. */
  workDir?: string;
  /** Keep the cluster after the run (a later run reuses it); the run's namespace is removed either way. */
  keepCluster?: boolean;
  progress?: (line: string) => void;
}

interface KindNode {
  spec: NodeSpec;
  image: string;
  offsetSeconds: number;
  pod?: string;
  logs?: AbortController;
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
  private createdCluster = false;
  private namespaceMade = false;

  constructor(private readonly options: KindPlatformOptions) {
    this.docker = new DockerPlatform({ runId: options.runId, progress: options.progress });
    this.namespace = `certdrill-${options.runId}`.toLowerCase();
  }

  async check(): Promise<void> {
    await this.kind.version();
    await this.docker.check();
  }

  /** Built with Docker (reused when built before), then loaded into the kind cluster's node. */
  async prepareImage(image: ImageSource): Promise<string> {
    const tag = await this.docker.prepareImage(image);
    await this.ensureCluster();
    if (!this.loaded.has(tag)) {
      this.progress(`loading ${tag} into kind cluster ${CLUSTER}`);
      await this.kind.loadImage(CLUSTER, tag);
      this.loaded.add(tag);
    }
    return tag;
  }

  async startNodes(specs: NodeSpec[]): Promise<void> {
    await this.ensureNamespace();
    for (const spec of specs) {
      const image = await this.prepareImage(spec.image);
      this.nodes.set(spec.name, { spec, image, offsetSeconds: offsetSeconds(spec.clock), forwards: new Map() });
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
    node.logs?.abort();
    if (old) await this.api().core.deleteNamespacedPod({ name: old, namespace: this.namespace, gracePeriodSeconds: 0 }).catch(ignoreNotFound);
    await this.awaitPod(node, old);
  }

  async stopNode(name: string): Promise<void> {
    const node = this.node(name);
    const deployment = await this.api().apps.readNamespacedDeployment({ name, namespace: this.namespace });
    deployment.spec!.replicas = 0;
    await this.api().apps.replaceNamespacedDeployment({ name, namespace: this.namespace, body: deployment });
    node.logs?.abort();
    node.pod = undefined;
  }

  async setClock(name: string, clock: ClockSpec): Promise<number> {
    const node = this.node(name);
    const offset = offsetSeconds(clock);
    const tmp = `${CLOCK_DIR}/.faketime.rc.tmp`;
    const result = await this.exec(name, ['sh', '-c', `printf '%s' "$1" > ${tmp} && mv ${tmp} ${CLOCK_FILE}`, 'sh', clockFileContent(offset)]);
    if (result.exitCode !== 0) throw new Error(`could not set the clock of ${name}: ${result.stderr.trim()}`);
    node.offsetSeconds = offset;
    // A recreated pod starts from the ConfigMap: keep it at the clock the node has now.
    await this.api().core.replaceNamespacedConfigMap({ name: `${name}-clock`, namespace: this.namespace, body: this.objects(node).clock });
    return offset;
  }

  async putFiles(name: string, files: NodeFile[]): Promise<void> {
    const node = this.node(name);
    node.spec = applyChanges(node.spec, { files });
    // Kubelet refreshes mounted Secrets within a minute; a restart takes them at once.
    await this.apply(node, 'replace');
  }

  async exec(name: string, command: string[]): Promise<ExecResult> {
    const node = this.node(name);
    if (!node.pod) throw new Error(`node ${name} is not running`);
    const stdout = collector();
    const stderr = collector();
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(this.api().kc).exec(this.namespace, node.pod!, 'node', command, stdout.stream, stderr.stream, null, false, resolve).catch(reject);
    });
    const exitCode = status.status === 'Success' ? 0 : Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? 1);
    return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
  }

  /** A local port forwarded to the node's pod through the API server; it follows the pod across restarts. */
  async endpoint(name: string, port: number): Promise<Endpoint> {
    const node = this.node(name);
    if (!node.pod) throw new Error(`node ${name} is not running`);
    let forward = node.forwards.get(port);
    if (!forward) {
      const forwarder = new PortForward(this.api().kc);
      const server = createServer((socket) => {
        if (!node.pod) return socket.destroy();
        forwarder.portForward(this.namespace, node.pod, [port], socket, null, socket).catch(() => socket.destroy());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      forward = { server, port: (server.address() as { port: number }).port };
      node.forwards.set(port, forward);
    }
    return { host: '127.0.0.1', port: forward.port };
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
      this.progress(`removing namespace ${this.namespace}`);
      await this.core.deleteNamespace({ name: this.namespace }).catch(ignoreNotFound);
    }
    if (this.createdCluster && !this.options.keepCluster) {
      this.progress(`deleting kind cluster ${CLUSTER} (--keep-cluster keeps it)`);
      await this.kind.delete(CLUSTER).catch(() => {});
    }
    await this.docker.cleanup();
  }

  /** Namespaces of certdrill runs whose process is gone are left to `kind delete cluster`; nothing to sweep here. */
  async sweepAbandoned(): Promise<number> {
    return this.docker.sweepAbandoned();
  }

  private objects(node: KindNode): NodeObjects {
    return nodeObjects(node.spec, { namespace: this.namespace, runId: this.options.runId, image: node.image, offsetSeconds: node.offsetSeconds });
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
      await upsert(() => core.createNamespacedSecret({ namespace, body }), () => core.replaceNamespacedSecret({ name: body.metadata!.name!, namespace, body }));
    }
    await upsert(() => core.createNamespacedConfigMap({ namespace, body: o.clock }), () => core.replaceNamespacedConfigMap({ name: o.clock.metadata!.name!, namespace, body: o.clock }));
    if (how === 'create') {
      for (const body of o.claims) await core.createNamespacedPersistentVolumeClaim({ namespace, body });
      await core.createNamespacedService({ namespace, body: o.service });
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
      if (pod && (started(pod) || preflightFailed(pod))) {
        node.pod = pod.metadata!.name!;
        if (preflightFailed(pod)) {
          await this.followLogs(node, 'preflight', false);
          return;
        }
        await this.followLogs(node, 'node', true);
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`node ${node.spec.name} did not start within ${READY_TIMEOUT_MS / 1000} s`);
  }

  private async followLogs(node: KindNode, container: string, follow: boolean): Promise<void> {
    const out = new PassThrough();
    let buffered = '';
    let resolveReady!: () => void;
    const ready = new Promise<void>((resolve) => (resolveReady = resolve));
    out.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        for (const listener of this.listeners) listener(node.spec.name, line);
        if (!node.spec.readyLog || node.spec.readyLog.test(line)) resolveReady();
      }
    });
    out.on('end', resolveReady);
    node.logs = await new Log(this.api().kc).log(this.namespace, node.pod!, container, out, { follow });
    await Promise.race([ready, new Promise((r) => setTimeout(r, READY_TIMEOUT_MS))]);
  }

  private async ensureCluster(): Promise<void> {
    if (this.kc) return;
    await this.check();
    const dir = this.options.workDir ?? join(process.cwd(), '.certdrill');
    await mkdir(dir, { recursive: true });
    if (!(await this.kind.clusters()).includes(CLUSTER)) {
      this.progress(`creating kind cluster ${CLUSTER} (a minute or two)`);
      await this.kind.create(CLUSTER, join(dir, 'kind-cluster.yaml'));
      this.createdCluster = true;
    } else {
      this.progress(`reusing kind cluster ${CLUSTER}`);
    }
    const kubeconfig = join(dir, 'kubeconfig');
    await this.kind.kubeconfig(CLUSTER, kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  private async ensureNamespace(): Promise<void> {
    await this.ensureCluster();
    if (this.namespaceMade) return;
    await this.api().core.createNamespace({ body: namespaceObject(this.namespace, this.options.runId) });
    this.namespaceMade = true;
    await this.api().core.createNamespacedService({ namespace: this.namespace, body: clusterService(this.namespace, this.options.runId) });
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

function started(pod: V1Pod): boolean {
  return pod.status?.containerStatuses?.some((c) => c.name === 'node' && (c.state?.running || c.state?.terminated)) === true;
}

function preflightFailed(pod: V1Pod): boolean {
  return pod.status?.initContainerStatuses?.some((c) => c.name === 'preflight' && (c.state?.terminated?.exitCode ?? 0) !== 0) === true;
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

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}
