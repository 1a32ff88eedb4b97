import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * A Docker engine of the test's own, beside the machine's (which other work
 * uses and must never be stopped): its own data, exec root and socket, its
 * own containerd namespace, and its own network namespace. The last matters:
 * a dockerd started in the machine's network namespace deletes the
 * interface docker0 of the machine's engine (with --bridge=none, and with a
 * bridge of its own too), and every container on that engine's default
 * network then fails to start. Its nodes' ports are reachable only inside
 * that namespace, so probes from here see them down. A test may stop and
 * start it at will.
 */
export class SecondEngine {
  readonly host: string;
  private daemon?: ChildProcess;

  private constructor(private readonly dir: string) {
    this.host = `unix://${join(dir, 'docker.sock')}`;
  }

  /** Why this machine cannot run one (not root, no dockerd or ip), or undefined. */
  static async unavailable(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) return 'a second Docker engine needs root';
    for (const tool of ['dockerd', 'ip', 'unshare']) {
      if ((await execa('which', [tool], { reject: false })).exitCode !== 0) return `${tool} is not installed`;
    }
    return undefined;
  }

  static async create(): Promise<SecondEngine> {
    return new SecondEngine(await mkdtemp(join(tmpdir(), 'certdrill-engine-')));
  }

  async start(): Promise<void> {
    const d = this.dir;
    // exec: the pid this test holds is dockerd's own, so SIGTERM reaches it.
    this.daemon = spawn(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        'ip link set lo up && exec dockerd "$@"',
        'sh',
        '--data-root',
        join(d, 'data'),
        '--exec-root',
        join(d, 'exec'),
        '--pidfile',
        join(d, 'dockerd.pid'),
        '-H',
        this.host,
        '--iptables=false',
        '--ip6tables=false',
        '--containerd-namespace',
        'certdrill-test',
        '--containerd-plugins-namespace',
        'certdrill-test-plugins',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    while ((await this.docker(['version', '--format', '{{.Server.Version}}'])).exitCode !== 0) {
      if (Date.now() > deadline) throw new Error('the second engine did not answer within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /** Stops it as `systemctl stop docker` does (SIGTERM), and waits until it has gone. */
  async stop(): Promise<void> {
    const daemon = this.daemon;
    if (!daemon || daemon.exitCode !== null) return;
    const gone = new Promise((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGTERM');
    await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  }

  /** Copies an image from the machine's engine into this one. */
  async loadImage(image: string): Promise<void> {
    await execa('bash', ['-c', 'set -o pipefail; docker save "$1" | docker --host "$2" load', 'bash', image, this.host], { timeout: 120_000 });
  }

  docker(args: string[]) {
    return execa('docker', ['--host', this.host, ...args], { reject: false, timeout: 30_000 });
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
