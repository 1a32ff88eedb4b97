import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

/**
 * A registry certdrill does not manage, as a real cluster's would be: the
 * distribution registry (built from the Go module proxy by go-image.sh)
 * in a container on kind's network, published to this host at
 * localhost:5001, and each kind node's containerd told to pull localhost:5001
 * from it over plain HTTP (a hosts.toml under /etc/containerd/certs.d, which
 * certdrill's kind clusters read). The host pushes to localhost:5001 and the
 * pods pull the same names.
 */
export const TEST_REGISTRY = 'localhost:5001';
const CONTAINER = 'certdrill-test-registry';
const BUILD = fileURLToPath(new URL('./go-image.sh', import.meta.url));
const FOLDER = fileURLToPath(new URL('./registry', import.meta.url));
const DISTRIBUTION = { module: 'github.com/distribution/distribution/v3', version: 'v3.1.2', package: 'cmd/registry' };
const CERTS_D = '/etc/containerd/certs.d';

export async function startTestRegistry(cluster = 'certdrill'): Promise<{ registry: string; stop: () => Promise<void> }> {
  const { module, version, package: main } = DISTRIBUTION;
  const image = (await execa('bash', [BUILD, 'registry', version, module, main, FOLDER], { stderr: 'inherit', timeout: 900_000 })).stdout.trim();
  await execa('docker', ['rm', '-f', CONTAINER], { reject: false });
  await execa('docker', ['run', '-d', '--name', CONTAINER, '--network', 'kind', '-p', '127.0.0.1:5001:5000', image]);
  const nodes = (await execa('docker', ['ps', '--filter', `label=io.x-k8s.kind.cluster=${cluster}`, '--format', '{{.Names}}'])).stdout
    .split('\n')
    .filter(Boolean);
  if (nodes.length === 0) throw new Error(`no node of kind cluster ${cluster} is running`);
  for (const node of nodes) {
    const config = (await execa('docker', ['exec', node, 'cat', '/etc/containerd/config.toml'])).stdout;
    if (!config.includes(`config_path = "${CERTS_D}"`))
      throw new Error(
        `kind cluster ${cluster} was made before certdrill's clusters read ${CERTS_D}: delete it (certdrill cleanup --platform kind --cluster) and run again`,
      );
    await execa('docker', ['exec', node, 'mkdir', '-p', `${CERTS_D}/${TEST_REGISTRY}`]);
    await execa('docker', ['exec', '-i', node, 'cp', '/dev/stdin', `${CERTS_D}/${TEST_REGISTRY}/hosts.toml`], {
      input: `[host."http://${CONTAINER}:5000"]\n`,
    });
  }
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`http://${TEST_REGISTRY.replace('localhost', '127.0.0.1')}/v2/`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`the test registry did not answer at ${TEST_REGISTRY} within 30 s`);
    await sleep(250);
  }
  return { registry: TEST_REGISTRY, stop: async () => void (await execa('docker', ['rm', '-f', CONTAINER], { reject: false })) };
}
