import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../../util/errors.js';
import { runChild } from '../../util/child-process.js';
import { commandLine } from '../../util/command-words.js';

const KIND_NODE_DIR = fileURLToPath(new URL('../../../kind-node', import.meta.url));
export const BUILD_SCRIPT = join(KIND_NODE_DIR, 'build.sh');
/** A cold build compiles Kubernetes: about 13 minutes on two cores; the limit leaves room for a slower machine. */
const BUILD_TIMEOUT_MS = 60 * 60_000;

/**
 * Which node image a kind cluster runs:
 * - `certdrill`: built here by kind-node/build.sh, no registry needed; its
 *   cluster config switches kind's default CNI off (a bridge-less ptp config
 *   from Debian's plugins is in the image) and names the CoreDNS and etcd tags
 *   it preloaded.
 * - `kindest`: kind's own image for its version, where a registry can be reached.
 * - `custom`: CERTDRILL_KIND_NODE_IMAGE, used as it is.
 */
export interface NodeImage {
  image: string;
  flavour: 'certdrill' | 'kindest' | 'custom';
}

/** The pinned versions of kind-node/versions.env. */
export function kindNodeVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const line of readFileSync(join(KIND_NODE_DIR, 'versions.env'), 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(\S+)/.exec(line.trim());
    if (match) versions[match[1]!] = match[2]!;
  }
  return versions;
}

/** Where kind-node/build.sh keeps its Go builds (and the kind CLI it builds). */
export function kindNodeCacheDir(): string {
  const base = process.env.CERTDRILL_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'certdrill');
  return join(base, 'kind-node');
}

/** The kind CLI certdrill built from the Go module proxy, if it did. */
export function builtKindCli(): string | undefined {
  const path = join(kindNodeCacheDir(), 'bin', 'kind');
  return existsSync(path) ? path : undefined;
}

/** The tag certdrill's node image has (or would have) for the current kind-node/ sources. */
export async function certdrillNodeImageTag(): Promise<string> {
  return (await runChild('bash', [BUILD_SCRIPT, '--tag'], { timeout: 30_000 })).stdout.trim();
}

/**
 * The node image to create a cluster from: the one asked for, certdrill's own
 * when it is built, kind's own when a registry gives it, or else certdrill's,
 * built now (progress goes to `progress`).
 */
export async function resolveNodeImage(kindestImage: string | undefined, progress: (line: string) => void, signal?: AbortSignal): Promise<NodeImage> {
  const custom = process.env.CERTDRILL_KIND_NODE_IMAGE;
  if (custom) return { image: custom, flavour: 'custom' };
  const own = await certdrillNodeImageTag();
  if (await imagePresent(own)) return { image: own, flavour: 'certdrill' };
  if (kindestImage && ((await imagePresent(kindestImage)) || (await pullable(kindestImage)))) return { image: kindestImage, flavour: 'kindest' };
  progress(
    `no registry gives ${kindestImage ?? "kind's node image"}: building ${own} from the Go module proxy and Debian's packages (${commandLine('kind-image')}; about 13 minutes on 2 cores the first time)`,
  );
  await buildNodeImage(progress, signal);
  return { image: own, flavour: 'certdrill' };
}

/** Runs kind-node/build.sh, its progress lines passed on; exit 2 means something is missing here, said in one line. */
export async function buildNodeImage(progress: (line: string) => void, signal?: AbortSignal): Promise<string> {
  // Its own process group: a terminal's Ctrl-C reaches certdrill, which stops the build through `signal`.
  const child = runChild('bash', [BUILD_SCRIPT], { timeout: BUILD_TIMEOUT_MS, reject: false, signal });
  const lines = createInterface({ input: child.stderr! });
  const tail: string[] = [];
  lines.on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (line.startsWith('[kind-image]') || line.startsWith('kind node image:') || line.startsWith('base image')) progress(line);
  });
  const result = await child;
  if (result.exitCode === 2)
    throw new EnvironmentError(
      tail.filter((l) => l.startsWith('kind node image:')).pop() ?? tail.pop() ?? 'the kind node image cannot be built here',
    );
  if (result.failed) throw new Error(`building the kind node image failed (${result.shortMessage}):\n${tail.join('\n')}`);
  return result.stdout.trim().split('\n').pop()!;
}

async function imagePresent(image: string): Promise<boolean> {
  return (await runChild('docker', ['image', 'inspect', image], { reject: false, timeout: 30_000 })).exitCode === 0;
}

async function pullable(image: string): Promise<boolean> {
  return (await runChild('docker', ['pull', image], { reject: false, timeout: 300_000 })).exitCode === 0;
}
