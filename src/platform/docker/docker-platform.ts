import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { GenericContainer, getContainerRuntimeClient, ImageName, Wait, type ContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { CLOCK_FILE, clockFileContent, writeClockFileCommand } from '../../clock/faketime.js';
import { clockEnv } from '../../clock/shim.js';
import { offsetSeconds, type ClockSpec } from '../../clock/spec.js';
import {
  applyChanges,
  EnvironmentError,
  onNodeClock,
  type Endpoint,
  type ExecResult,
  type ImageSource,
  type LogListener,
  type NodeChanges,
  type NodeSpec,
  type Platform,
} from '../types.js';
import { PlatformLostError } from '../../util/errors.js';
import { dockerHostProblem } from './engine.js';
import { buildContext, contentTag } from './image.js';
import { LABEL_NODE, LABEL_RUN, ownerIsGone, runLabels } from './labels.js';
import { withTimeout } from '../../util/deadline.js';
import { firstLine } from '../../util/text.js';
import { commandLine } from '../../util/command-words.js';

// Ryuk, testcontainers' reaper, is an image from a registry; certdrill removes what it made itself.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

const STARTUP_TIMEOUT_MS = 45_000;
const ENGINE_TIMEOUT_MS = 15_000;
/** How often, during a run, certdrill asks the engine whether it is still there, and how many missed answers mean it is gone. */
const ENGINE_PING_EVERY_MS = 2_000;
const ENGINE_PING_TIMEOUT_MS = 10_000;
const ENGINE_MISSED_PINGS = 3;
/** How long clean-up waits for creations under way before giving up on them (a sweep removes them later). */
const CLEANUP_TIMEOUT_MS = 60_000;

interface RunningNode {
  spec: NodeSpec;
  image: string;
  offsetSeconds: number;
  incarnation: number;
  container?: StartedTestContainer;
  /** Stops delivering the container's log lines. */
  stopLogs?: () => void;
}

export interface DockerPlatformOptions {
  runId: string;
  /** Progress lines for a person watching the run. */
  progress?: (line: string) => void;
  /** Told once, with what to say, when the engine stops answering while nodes run. */
  onLost?: (error: EnvironmentError) => void;
}

/** Nodes as Docker containers on a network of their own, one per run (testcontainers). */
/** Stands for the node in the names and labels of a volume every node of the run shares. */
const SHARED = 'shared';

/**
 * Builds under way in this process, by image: runs of a suite side by side
 * (--parallel) that need the same image wait for one build of it (and one
 * pre-build, such as etcd-manager's Go build into its cache) instead of racing.
 */
const building = new Map<string, Promise<string>>();

function buildOnce(key: string, build: () => Promise<string>): Promise<string> {
  let pending = building.get(key);
  if (!pending) {
    pending = build().finally(() => building.delete(key));
    building.set(key, pending);
  }
  return pending;
}

export class DockerPlatform implements Platform {
  readonly name = 'docker';
  private client?: ContainerRuntimeClient;
  private readonly nodes = new Map<string, RunningNode>();
  private readonly listeners: LogListener[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly images = new Map<string, Promise<string>>();
  private networkName?: string;
  private closed = false;
  private watching?: NodeJS.Timeout;

  constructor(private readonly options: DockerPlatformOptions) {}

  async check(): Promise<void> {
    await this.runtime();
  }

  prepareImage(image: ImageSource): Promise<string> {
    const key = JSON.stringify(image);
    if (!this.images.has(key))
      this.images.set(
        key,
        buildOnce(key, () => this.buildOrReuse(image)),
      );
    return this.images.get(key)!;
  }

  private async buildOrReuse(source: ImageSource): Promise<string> {
    const client = await this.runtime();
    const image = source.prebuild ? { ...source, include: { ...source.include, ...(await source.prebuild((line) => this.progress(line))) } } : source;
    const tag = await contentTag(image);
    if (await client.image.exists(ImageName.fromString(tag))) {
      this.progress(`image ${tag}: reusing the one already built`);
      return tag;
    }
    this.progress(`image ${tag}: building from ${image.context} (the first build takes a minute or two)`);
    const context = await buildContext(image);
    try {
      await GenericContainer.fromDockerfile(context.dir)
        .withBuildArgs(image.buildArgs ?? {})
        .build(tag, { deleteOnExit: false });
    } catch (error) {
      throw explainBuildFailure(error, tag);
    } finally {
      await context.remove();
    }
    return tag;
  }

  async readyFor(images: ImageSource[]): Promise<void> {
    for (const image of images) await this.prepareImage(image);
  }

  async startNodes(specs: NodeSpec[]): Promise<void> {
    this.watchEngine();
    await this.ensureNetwork();
    for (const spec of specs) {
      if (this.nodes.has(spec.name)) throw new Error(`node ${spec.name} already exists in this run`);
      const image = await this.prepareImage(spec.image);
      this.nodes.set(spec.name, { spec, image, offsetSeconds: offsetSeconds(spec.clock), incarnation: 0 });
    }
    await Promise.all(specs.map((spec) => this.launch(this.node(spec.name))));
  }

  async restartNode(name: string, changes: NodeChanges = {}): Promise<void> {
    const node = this.node(name);
    await this.removeContainer(node);
    node.spec = applyChanges(node.spec, changes);
    if (changes.clock !== undefined) node.offsetSeconds = offsetSeconds(changes.clock);
    node.incarnation += 1;
    await this.launch(node);
  }

  async setClock(name: string, clock: ClockSpec): Promise<number> {
    const node = this.node(name);
    const offset = offsetSeconds(clock);
    const container = this.running(node);
    const result = await container.exec(writeClockFileCommand(offset));
    if (result.exitCode !== 0) throw new Error(`could not set the clock of ${name}: ${result.output.trim()}`);
    node.offsetSeconds = offset;
    return offset;
  }

  clockOffset(name: string): number {
    return this.node(name).offsetSeconds;
  }

  async exec(name: string, command: string[]): Promise<ExecResult> {
    const node = this.node(name);
    const result = await this.running(node)
      .exec(onNodeClock(node.spec, command))
      .catch((error: { statusCode?: number }) => {
        // 409: the container stopped between the check and the exec (a restart under way).
        throw error.statusCode === 409 ? new Error(`node ${name} is not running`) : error;
      });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  async endpoint(name: string, port: number): Promise<Endpoint> {
    const container = this.running(this.node(name));
    return { host: container.getHost(), port: container.getMappedPort(port) };
  }

  onLog(listener: LogListener): void {
    this.listeners.push(listener);
  }

  async cleanup(): Promise<void> {
    // From here on nothing new is created: every creation checks `closed` and is tracked in `inFlight`.
    this.closed = true;
    clearInterval(this.watching);
    if (!this.client) return;
    if (this.networkName || this.inFlight.size > 0) this.progress('removing the containers and the network of this run');
    const docker = this.client.container.dockerode;
    const label = `${LABEL_RUN}=${this.options.runId}`;
    const deadline = Date.now() + CLEANUP_TIMEOUT_MS;
    try {
      // Removing a container whose start is under way ends that start at once, instead of after its readiness timeout;
      // a creation still in the air when a pass runs is caught by the next.
      // A network still holds a container being removed (a restart's, say) until that removal ends: passes repeat
      // until nothing of the run is left, not only while certdrill's own calls are under way.
      let left = await withTimeout(removeLabelled(docker, label), ENGINE_TIMEOUT_MS);
      while ((this.inFlight.size > 0 || left > 0) && Date.now() < deadline) {
        await Promise.race([Promise.allSettled([...this.inFlight]), sleep(1_000, undefined, { ref: false })]);
        left = await withTimeout(removeLabelled(docker, label), ENGINE_TIMEOUT_MS);
      }
      if (left > 0) throw new Error(`${left} of its objects still there after ${CLEANUP_TIMEOUT_MS / 1000} s`);
    } catch (error) {
      throw new EnvironmentError(
        `could not remove this run's containers and network (${firstLine(error)}): ${commandLine('cleanup')}, or the next run, removes them once the Docker engine answers`,
      );
    }
    this.nodes.clear();
  }

  /** Removes containers and networks left by certdrill runs on this host whose process is gone (killed with SIGKILL, say). */
  async sweepAbandoned(): Promise<number> {
    const docker = (await this.runtime()).container.dockerode;
    const containers = await docker.listContainers({ all: true, filters: { label: ['certdrill=true'] } });
    const networks = await docker.listNetworks({ filters: { label: ['certdrill=true'] } });
    const { Volumes: volumes } = await docker.listVolumes({ filters: { label: ['certdrill=true'] } });
    const runs = new Set<string>();
    for (const item of [...containers.map((c) => c.Labels), ...networks.map((n) => n.Labels), ...(volumes ?? []).map((v) => v.Labels)]) {
      if (item && ownerIsGone(item)) runs.add(item[LABEL_RUN]!);
    }
    for (const run of runs) await removeLabelled(docker, `${LABEL_RUN}=${run}`);
    return runs.size;
  }

  private async launch(node: RunningNode): Promise<void> {
    const { spec } = node;
    const labels = { ...runLabels(this.options.runId), [LABEL_NODE]: spec.name };
    const container = new NodeContainer(node.image)
      .withName(`certdrill-${this.options.runId}-${spec.name}-${node.incarnation}`)
      .withHostname(spec.name)
      .withRunNetwork(this.networkName!, spec.name)
      .withLabels(labels)
      .withEnvironment({ ...spec.env, ...clockEnv(spec.clockBy ?? 'libfaketime') })
      .withCopyContentToContainer([
        ...spec.files.map((f) => ({ content: f.content, target: f.path, mode: f.mode })),
        { content: clockFileContent(node.offsetSeconds), target: CLOCK_FILE, mode: 0o644 },
      ])
      .withNamedVolumes((spec.volumes ?? []).map((v) => ({ source: this.volumeName(v.shared ? SHARED : spec.name, v.name), target: v.path })))
      .withExposedPorts(...spec.ports)
      .withWaitStrategy(spec.readyLog ? Wait.forLogMessage(spec.readyLog) : Wait.forListeningPorts())
      .withStartupTimeout(STARTUP_TIMEOUT_MS);
    for (const volume of spec.volumes ?? []) await this.ensureVolume(volume.shared ? SHARED : spec.name, volume.name);
    if (spec.preflight || spec.clockBy === 'certdrill-clock') container.withEntrypoint(await this.entrypoint(node.image, spec));
    try {
      node.container = await this.creating(() => container.start());
    } catch (error) {
      throw new Error(`node ${spec.name} did not start: ${firstLine(error)}`, { cause: error });
    }
    node.stopLogs = await this.followLogs(spec.name, node.container);
  }

  /** What a built image runs when nothing overrides it: its entrypoint and command, as one argv. */
  async imageCommand(image: string): Promise<string[]> {
    const config = (await (await this.runtime()).container.dockerode.getImage(image).inspect()).Config;
    return [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  }

  /**
   * The image's own entrypoint, run only if the pre-flight command succeeds
   * (Docker's stand-in for an init container), and under certdrill-clock when
   * that moves the node's clock.
   */
  private async entrypoint(image: string, spec: NodeSpec): Promise<string[]> {
    const original = await this.imageCommand(image);
    const command = spec.preflight
      ? ['/bin/sh', '-c', `${spec.preflight.map(shellQuote).join(' ')} || exit $?; exec "$@"`, 'certdrill-preflight', ...original]
      : original;
    return onNodeClock(spec, command);
  }

  private async followLogs(name: string, container: StartedTestContainer): Promise<() => void> {
    const stream = await container.logs();
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    let following = true;
    lines.on('line', (line) => {
      if (!following) return;
      for (const listener of this.listeners) listener(name, line);
    });
    return () => {
      following = false;
      stream.destroy();
    };
  }

  private async removeContainer(node: RunningNode): Promise<void> {
    if (!node.container) return;
    // What a node logs while it is killed is not the run (as on kind, where the pod's log stream ends first): a node
    // under certdrill-clock, whose supervisor dies first, may stamp those last lines with a garbage time.
    node.stopLogs?.();
    const docker = this.client!.container.dockerode;
    const id = node.container.getId();
    node.container = undefined;
    await this.underWay(docker.getContainer(id).remove({ force: true, v: true }).catch(ignoreMissing));
  }

  /** A node's volume, or (node `SHARED`) one every node of the run mounts. */
  private volumeName(node: string, volume: string): string {
    return `certdrill-${this.options.runId}-${node}-${volume}`;
  }

  private async ensureVolume(node: string, volume: string): Promise<void> {
    const docker = (await this.runtime()).container.dockerode;
    const name = this.volumeName(node, volume);
    const existing = await docker
      .getVolume(name)
      .inspect()
      .catch(() => undefined);
    if (!existing) await this.creating(() => docker.createVolume({ Name: name, Labels: { ...runLabels(this.options.runId), [LABEL_NODE]: node } }));
  }

  private async ensureNetwork(): Promise<void> {
    if (this.networkName) return;
    const client = await this.runtime();
    const name = `certdrill-${this.options.runId}`;
    await this.creating(() => client.container.dockerode.createNetwork({ Name: name, Driver: 'bridge', Labels: runLabels(this.options.runId) }));
    this.networkName = name;
  }

  /**
   * Makes something on the engine, unless clean-up has begun; clean-up waits
   * for what is under way, so a Ctrl-C in the middle of a creation cannot
   * leave the object behind.
   */
  private async creating<T>(create: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the run is being cleaned up');
    return this.underWay(create());
  }

  /** Engine work clean-up waits for before its last pass. */
  private async underWay<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  /** While nodes run, pings the engine; when it stops answering, says so once (onLost) so the run ends instead of observing nothing. */
  private watchEngine(): void {
    if (this.watching || !this.options.onLost || !this.client) return;
    const docker = this.client.container.dockerode;
    let missed = 0;
    let lastProblem = '';
    let pinging = false;
    this.watching = setInterval(() => {
      if (pinging) return;
      pinging = true;
      withTimeout(docker.ping(), ENGINE_PING_TIMEOUT_MS)
        .then(
          () => {
            missed = 0;
          },
          (error: unknown) => {
            missed += 1;
            lastProblem = firstLine(error);
            if (missed < ENGINE_MISSED_PINGS || this.closed) return;
            clearInterval(this.watching);
            this.options.onLost?.(
              new PlatformLostError(
                `the Docker engine stopped answering during the run (${lastProblem}); start it again: the next run, or ${commandLine('cleanup')}, removes what this run left`,
              ),
            );
          },
        )
        .finally(() => {
          pinging = false;
        });
    }, ENGINE_PING_EVERY_MS);
    this.watching.unref();
  }

  private async runtime(): Promise<ContainerRuntimeClient> {
    if (this.client) return this.client;
    const hostProblem = await dockerHostProblem(process.env.DOCKER_HOST);
    if (hostProblem) {
      throw new EnvironmentError(
        `no Docker engine is reachable: start one at DOCKER_HOST=${process.env.DOCKER_HOST} (${hostProblem}) or unset DOCKER_HOST, then run again`,
      );
    }
    try {
      this.client = await withTimeout(getContainerRuntimeClient(), ENGINE_TIMEOUT_MS);
    } catch {
      throw new EnvironmentError(
        'no Docker engine is reachable: start one (as root: dockerd &, or systemctl start docker) or set DOCKER_HOST, then run again',
      );
    }
    return this.client;
  }

  private node(name: string): RunningNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node named ${name} in this run (nodes: ${[...this.nodes.keys()].join(', ') || 'none'})`);
    return node;
  }

  private running(node: RunningNode): StartedTestContainer {
    if (!node.container) throw new Error(`node ${node.spec.name} is not running`);
    return node.container;
  }

  private progress(line: string): void {
    this.options.progress?.(line);
  }
}

/** testcontainers has bind mounts but no named volumes; Docker's mount list has both. */
class NodeContainer extends GenericContainer {
  /**
   * The run's network alone, the node's name its alias there. testcontainers'
   * withNetworkAliases would also leave the container on Docker's default
   * bridge, where its host name resolves first: a program that listens on
   * its own name (etcd-manager's gRPC) would then be unreachable from its peers.
   */
  withRunNetwork(network: string, alias: string): this {
    this.withNetworkMode(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: [alias] } } };
    return this;
  }

  withNamedVolumes(volumes: { source: string; target: string }[]): this {
    if (volumes.length > 0) this.hostConfig.Mounts = volumes.map((v) => ({ Type: 'volume', Source: v.source, Target: v.target }));
    return this;
  }
}

/** Removes the containers, networks and volumes with the label; answers how many are still there (some still in use). */
async function removeLabelled(docker: Dockerode, label: string): Promise<number> {
  const filters = { label: [label] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreMissing)));
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(ignoreInUse)));
  const { Volumes: volumes } = await docker.listVolumes({ filters });
  await Promise.all((volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(ignoreInUse)));
  const [containersLeft, networksLeft, volumesLeft] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return containersLeft.length + networksLeft.length + (volumesLeft.Volumes ?? []).length;
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function explainBuildFailure(error: unknown, tag: string): Error {
  const text = String((error as Error)?.message ?? error);
  if (/pull access denied|not found|lookup|dial tcp|manifest unknown|no such host|connection refused|TLS handshake timeout/i.test(text)) {
    return new EnvironmentError(
      `building ${tag} needs the base image debian:bookworm-slim, which is not here and cannot be pulled: run ${commandLine('base-image')} (debootstrap + docker import, as root), then run again`,
    );
  }
  return new Error(`building ${tag} failed: ${firstLine(error)}`);
}

function ignoreMissing(error: unknown): void {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 404 || status === 409) return;
  throw error;
}

/** A network or volume a container still holds (its removal under way) is for the next pass, not an error. */
function ignoreInUse(error: unknown): void {
  if (/active endpoints|in use/i.test(String((error as Error)?.message ?? error))) return;
  ignoreMissing(error);
}
