import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, KubernetesObjectApi, loadAllYaml, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { execa } from 'execa';

/**
 * rancher's local-path provisioner, the one kind itself ships, installed into
 * the tests' "remote" cluster as its operator would: its own manifest (from
 * the module the Go proxy serves) applied as it is, with only the images
 * renamed to the test registry's and the StorageClass given a name of the
 * tests'. certdrill is then pointed at that class with --storage-class; the
 * cluster's default class, which provisions nothing, stays as it is.
 */
export const LOCAL_PATH_CLASS = 'certdrill-test-local-path';
const PROVISIONER = { module: 'github.com/rancher/local-path-provisioner', version: 'v0.0.30' };
const BUILD = fileURLToPath(new URL('./go-image.sh', import.meta.url));
const FOLDER = fileURLToPath(new URL('./local-path', import.meta.url));
/** What the provisioner's helper pods run (mkdir, rm): the Debian base image, as busybox is from a registry. */
const HELPER_BASE = 'debian:bookworm-slim';
const READY_TIMEOUT_MS = 120_000;

export async function installLocalPath(kc: KubeConfig, registry: string): Promise<string> {
  const { module, version } = PROVISIONER;
  const built = (
    await execa('bash', [BUILD, 'local-path-provisioner', version, module, '.', FOLDER], { stderr: 'inherit', timeout: 900_000 })
  ).stdout.trim();
  const image = await push(built, `${registry}/${built}`);
  const helper = await push(HELPER_BASE, `${registry}/certdrill-test/helper:${HELPER_BASE.replace(/[:/]/g, '-')}`);
  const dir = JSON.parse((await execa('go', ['mod', 'download', '-json', `${module}@${version}`], { cwd: '/', timeout: 300_000 })).stdout) as {
    Dir: string;
  };
  const manifest = (await readFile(join(dir.Dir, 'deploy', 'local-path-storage.yaml'), 'utf8'))
    .replace(/image: rancher\/local-path-provisioner:\S+/, `image: ${image}`)
    .replace(/image: busybox\b/, `image: ${helper}`);
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const object of loadAllYaml(manifest) as KubernetesObject[]) {
    if (object.kind === 'StorageClass') object.metadata!.name = LOCAL_PATH_CLASS;
    const exists = await api.read(object as KubernetesObject & { metadata: { name: string } }).then(
      () => true,
      () => false,
    );
    if (!exists) await api.create(object);
  }
  const apps = kc.makeApiClient(AppsV1Api);
  for (const deadline = Date.now() + READY_TIMEOUT_MS; Date.now() < deadline; await sleep(500)) {
    const deployment = await apps.readNamespacedDeployment({ name: 'local-path-provisioner', namespace: 'local-path-storage' });
    if ((deployment.status?.readyReplicas ?? 0) > 0) return LOCAL_PATH_CLASS;
  }
  throw new Error(`local-path-provisioner did not become ready within ${READY_TIMEOUT_MS / 1000} s`);
}

async function push(local: string, reference: string): Promise<string> {
  await execa('docker', ['tag', local, reference]);
  await execa('docker', ['push', '-q', reference], { timeout: 300_000 });
  return reference;
}
