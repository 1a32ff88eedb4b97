import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { runChild } from '../../util/child-process.js';
import { firstLine } from '../../util/text.js';
import type { NodeSpec } from '../types.js';
import { KubernetesPlatform, type KubernetesPlatformOptions } from '../kubernetes/kubernetes-platform.js';
import { labelValue } from '../kubernetes/labels.js';
import { abandoned, certdrillNamespaces, isNotFound, processRuns } from '../kubernetes/namespaces.js';
import type { VolumeSource } from '../kubernetes/objects.js';
import { hostPathVolume, kindClusterConfig, VOLUME_ROOT } from './cluster-config.js';
import { checkDockerForKind, KindCli } from './kind-cli.js';
import { kindNodeCacheDir, kindNodeVersions, resolveNodeImage } from './node-image.js';

export const CLUSTER = 'certdrill';
/** kind names its node container after the cluster. */
const NODE_CONTAINER = `${CLUSTER}-control-plane`;
const READY_TIMEOUT_MS = 120_000;
/** Who created the cluster and whether it is to be kept: a ConfigMap in the cluster, so any certdrill process can tell. */
const OWNER_CONFIGMAP = { name: 'certdrill-cluster', namespace: 'default' };

export interface KindPlatformOptions extends Omit<KubernetesPlatformOptions, 'context' | 'yesThisCluster' | 'imageRegistry' | 'storageClass'> {
  /** Keep the cluster after the run (a later run reuses it); the run's namespace is removed either way. */
  keepCluster?: boolean;
  /** Leave the cluster to a later run of the same suite (which releases it), whatever keepCluster says. */
  shareCluster?: boolean;
}

/**
 * Nodes as pods on a kind cluster of certdrill's own: the Kubernetes platform,
 * with the cluster's lifecycle through the real kind CLI, images loaded into
 * its node instead of pushed, and persistent folders as folders of that node.
 */
export class KindPlatform extends KubernetesPlatform {
  override readonly name: string = 'kind';
  private readonly kind = new KindCli();
  private readonly loaded = new Set<string>();
  private ownsCluster = false;
  protected override readonly pullPolicy = 'Never' as const;

  constructor(private readonly kindOptions: KindPlatformOptions) {
    super(kindOptions);
  }

  override async check(): Promise<void> {
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

  override async versions(): Promise<Record<string, string>> {
    const versions: Record<string, string> = {};
    const kind = /v\d+\.\d+\.\d+\S*/.exec(await this.kind.version())?.[0];
    if (kind) versions.kind = kind;
    Object.assign(versions, await this.nodeVersions());
    const image = await runChild('docker', ['inspect', '--format', '{{.Config.Image}}', NODE_CONTAINER], { reject: false, timeout: 15_000 });
    if (image.exitCode === 0) versions['kind node image'] = image.stdout.trim();
    return versions;
  }

  /** Loaded into the cluster's node unless the node has it: the pods never pull. */
  protected override async deliverImage(tag: string): Promise<string> {
    if (!this.loaded.has(tag)) {
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

  protected override volumeSource(): VolumeSource {
    return hostPathVolume(this.namespace);
  }

  /** A hostPath needs no claim. */
  protected override async createVolumes(_specs: NodeSpec[]): Promise<void> {}

  override async cleanup(): Promise<void> {
    await super.cleanup();
    const failedToCreate = this.ownsCluster && !this.kc;
    if (this.ownsCluster && (failedToCreate || (!this.kindOptions.keepCluster && !this.kindOptions.shareCluster))) {
      this.progress(`deleting kind cluster ${CLUSTER} (--keep-cluster keeps it)`);
      await this.kind.delete(CLUSTER).catch((error) => this.progress(`could not delete kind cluster ${CLUSTER}: ${firstLine(error)}`));
    }
  }

  /**
   * Removes what runs killed outright left: their containers and networks,
   * their namespaces and volumes in the cluster, and the cluster itself when
   * the run that created it meant to delete it. `adopt`: a starting run takes
   * such a cluster over (and deletes it when it ends) instead of deleting it now.
   * `kept`: also delete a cluster kept with --keep-cluster once its run has ended.
   */
  override async sweepAbandoned(options: { adopt?: boolean; kept?: boolean } = {}): Promise<number> {
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
      await this.recordOwner(Boolean(this.kindOptions.keepCluster));
      this.ownsCluster = true;
      swept += 1;
    } else if (fate === 'delete') {
      this.progress(`deleting kind cluster ${CLUSTER}, ${owner!.keep ? 'kept by an earlier run' : 'left by an interrupted run'}`);
      await this.kind.delete(CLUSTER);
      this.forget();
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

  protected override async ensureConnected(): Promise<void> {
    await this.ensureCluster();
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
      await this.recordOwner(Boolean(this.kindOptions.keepCluster));
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
    this.useConfig(kc);
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

  /** The run's namespace (waiting until it is gone) and its persistent folders in the node. */
  protected override async removeRunObjects(namespace: string): Promise<void> {
    await super.removeRunObjects(namespace);
    // The persistent folders live in the node container; the API has no way to remove them.
    await runChild('docker', ['exec', NODE_CONTAINER, 'rm', '-rf', `${VOLUME_ROOT}/${namespace}`], { reject: false, timeout: 30_000 });
  }

  /**
   * Every node holds the image under the name a pod gives it: `kind load`
   * stores certdrill/x:h as docker.io/certdrill/x:h. The same name under
   * another registry (localhost:5001/certdrill/x:h, pulled by a run on
   * --platform kubernetes) is not it: a pod that never pulls would not find it.
   */
  private async nodeHasImage(tag: string): Promise<boolean> {
    const nodes = (await this.api().core.listNode()).items;
    const names = (n: (typeof nodes)[number]) => (n.status?.images ?? []).flatMap((i) => i.names ?? []);
    const wanted = new Set([tag, `docker.io/${tag}`, `docker.io/library/${tag}`]);
    return nodes.length > 0 && nodes.every((n) => names(n).some((name) => wanted.has(name)));
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
}

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
