import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { EnvironmentError } from '../../util/errors.js';
import { kindClusterConfig } from './objects.js';

const INSTALL = 'install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and Docker, or run with --platform docker';

/** The real `kind` CLI, through execa: cluster lifecycle and image loading. */
export class KindCli {
  constructor(private readonly binary = process.env.CERTDRILL_KIND ?? 'kind') {}

  /** The kind version; throws EnvironmentError when kind cannot run here. */
  async version(): Promise<string> {
    try {
      return (await execa(this.binary, ['version'], { timeout: 15_000 })).stdout.trim();
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new EnvironmentError(code === 'ENOENT' ? `kind is not installed: ${INSTALL}` : `kind does not run here (${(error as Error).message.split('\n')[0]}): ${INSTALL}`);
    }
  }

  async clusters(): Promise<string[]> {
    return (await execa(this.binary, ['get', 'clusters'], { timeout: 30_000 })).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  /** Creates the cluster from a config certdrill writes, waiting for its control plane. */
  async create(name: string, configPath: string): Promise<void> {
    await writeFile(configPath, kindClusterConfig());
    await execa(this.binary, ['create', 'cluster', '--name', name, '--config', configPath, '--wait', '180s'], { timeout: 300_000 });
  }

  async kubeconfig(name: string, path: string): Promise<void> {
    const { stdout } = await execa(this.binary, ['get', 'kubeconfig', '--name', name], { timeout: 30_000 });
    await writeFile(path, stdout, { mode: 0o600 });
  }

  async loadImage(name: string, image: string): Promise<void> {
    await execa(this.binary, ['load', 'docker-image', image, '--name', name], { timeout: 300_000 });
  }

  async delete(name: string): Promise<void> {
    await execa(this.binary, ['delete', 'cluster', '--name', name], { timeout: 120_000 });
  }
}
