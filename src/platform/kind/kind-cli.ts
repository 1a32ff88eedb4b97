import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { runChild } from '../../util/child-process.js';
import { EnvironmentError } from '../../util/errors.js';
import { BUILD_SCRIPT, builtKindCli } from './node-image.js';
import { firstLine } from '../../util/text.js';
import { commandLine } from '../../util/command-words.js';

const install = () =>
  `run ${commandLine('kind-image')} (builds kind and its node image from the Go module proxy), install kind, or run with --platform docker`;

/** kind starts its nodes with `docker run --privileged`, which older engines refuse on hosts whose capability set lacks some (moby/moby#42933). */
export const MIN_DOCKER_MAJOR = 23;

/** The real `kind` CLI, through execa: cluster lifecycle and image loading. */
export class KindCli {
  private binary?: string;

  /** CERTDRILL_KIND, else `kind` on the PATH, else the one `npm run kind-image` built. */
  private async resolve(): Promise<string> {
    if (this.binary) return this.binary;
    const candidates = [process.env.CERTDRILL_KIND, 'kind', builtKindCli()].filter((c): c is string => Boolean(c));
    for (const candidate of candidates) {
      const result = await runChild(candidate, ['version'], { timeout: 15_000, reject: false });
      if (result.exitCode === 0) return (this.binary = candidate);
      if (candidate === process.env.CERTDRILL_KIND)
        throw new EnvironmentError(`CERTDRILL_KIND=${candidate} does not run (${firstLine(result.stderr || result.message || '')}): ${install()}`);
    }
    throw new EnvironmentError(`kind is not installed: ${install()}`);
  }

  /** Whether a kind CLI runs here. */
  async available(): Promise<boolean> {
    return this.resolve().then(
      () => true,
      () => false,
    );
  }

  /** Throws EnvironmentError unless the kind CLI can be built here (Go is what builds it). */
  async ensureBuildable(): Promise<void> {
    const go = await runChild('go', ['version'], { reject: false, timeout: 15_000 });
    if (go.exitCode !== 0)
      throw new EnvironmentError(
        `kind is not installed and the Go toolchain that would build it is missing: install Go (1.24 or newer) or kind, or run with --platform docker`,
      );
  }

  /** Builds the kind CLI from the Go module proxy into certdrill's cache (kind-node/build.sh --kind-cli). */
  async build(progress: (line: string) => void): Promise<void> {
    progress('kind is not installed: building it from the Go module proxy');
    const result = await runChild('bash', [BUILD_SCRIPT, '--kind-cli'], { reject: false, timeout: 900_000 });
    if (result.exitCode !== 0) throw new EnvironmentError(`could not build kind: ${lastLines(result.stderr).split('\n').pop()}`);
    this.binary = undefined;
    await this.resolve();
  }

  /** The kind version; throws EnvironmentError when kind cannot run here. */
  async version(): Promise<string> {
    const binary = await this.resolve();
    return (await runChild(binary, ['version'], { timeout: 15_000 })).stdout.trim();
  }

  async clusters(): Promise<string[]> {
    const binary = await this.resolve();
    return (await runChild(binary, ['get', 'clusters'], { timeout: 30_000 })).stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }

  /**
   * Creates the cluster from the config given, waiting for its control plane;
   * kind's own progress goes to `progress`. kind runs in a process group of
   * its own, so a terminal's Ctrl-C reaches certdrill alone, which cancels it
   * through `signal` and then deletes the half-made cluster.
   */
  async create(
    name: string,
    image: string,
    config: string,
    configPath: string,
    progress: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const binary = await this.resolve();
    await writeFile(configPath, config);
    const child = runChild(binary, ['create', 'cluster', '--name', name, '--image', image, '--config', configPath, '--wait', '180s'], {
      timeout: 300_000,
      reject: false,
      signal,
    });
    if (child.stderr) {
      createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
        const text = line.replace(/\s+/g, ' ').trim();
        // kind prints each stage when it starts (•) and again when it is done (✓) or failed (✗): the outcome is enough.
        if (/^[✓✗]/.test(text)) progress(`kind: ${text.replace(/^[✓✗]\s*/, '')}`);
      });
    }
    const result = await child;
    if (result.exitCode !== 0) throw new Error(`kind create cluster failed: ${lastLines(result.stderr)}`);
  }

  async kubeconfig(name: string, path: string): Promise<void> {
    const binary = await this.resolve();
    const { stdout } = await runChild(binary, ['get', 'kubeconfig', '--name', name], { timeout: 30_000 });
    await writeFile(path, stdout, { mode: 0o600 });
  }

  async loadImage(name: string, image: string): Promise<void> {
    const binary = await this.resolve();
    await runChild(binary, ['load', 'docker-image', image, '--name', name], { timeout: 300_000 });
  }

  async delete(name: string): Promise<void> {
    const binary = await this.resolve();
    await runChild(binary, ['delete', 'cluster', '--name', name], { timeout: 120_000 });
  }
}

/** Throws EnvironmentError unless the Docker engine is new enough for kind's privileged nodes. */
export async function checkDockerForKind(): Promise<string> {
  const result = await runChild('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false, timeout: 15_000 });
  if (result.exitCode !== 0)
    throw new EnvironmentError('no Docker engine is reachable: start one (as root: dockerd &, or systemctl start docker), then run again');
  const version = result.stdout.trim();
  const major = Number(/^(\d+)/.exec(version)?.[1]);
  if (!(major >= MIN_DOCKER_MAJOR)) {
    throw new EnvironmentError(
      `kind needs Docker ${MIN_DOCKER_MAJOR} or newer to start privileged nodes here, and this engine is ${version}: install a newer docker.io (on Debian bookworm, trixie's: see .ci/run), or run with --platform docker`,
    );
  }
  return version;
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-6).join('\n');
}
