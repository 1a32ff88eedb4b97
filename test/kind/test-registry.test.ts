import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerPlatform } from '../../src/platform/docker/docker-platform.js';
import { KindPlatform } from '../../src/platform/kind/kind-platform.js';
import { toy } from '../../src/workload/toy/index.js';
import { kindUnavailable } from '../support/kind-available.js';
import { startTestRegistry } from '../support/test-registry.js';

/**
 * The registry the tests of `--platform kubernetes` point certdrill at (one
 * it does not manage): an image pushed from this host to it is what a pod on
 * the kind cluster pulls, never one `kind load` put there.
 */
const unavailable = kindUnavailable();

describe.skipIf(unavailable)(`the test registry, on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `certdrill-registry-test-${process.pid}`;
  let platform: KindPlatform;
  let core: CoreV1Api;
  let registry: Awaited<ReturnType<typeof startTestRegistry>> | undefined;

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'certdrill-registry-'));
    platform = new KindPlatform({ runId: `registry-${process.pid}`, workDir, shareCluster: true, progress: () => {} });
    await platform.readyFor([]);
    const kc = new KubeConfig();
    kc.loadFromFile(join(workDir, 'kubeconfig'));
    core = kc.makeApiClient(CoreV1Api);
    registry = await startTestRegistry();
  }, 3_600_000);

  afterAll(async () => {
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
    await registry?.stop();
    await platform?.cleanup();
  });

  it('serves a pod on the cluster the image this host pushed to it', async () => {
    // Built by Docker alone: the kind platform would also `kind load` it, and the node would have it without a pull.
    const local = await new DockerPlatform({ runId: `registry-${process.pid}` }).prepareImage(toy.image);
    const pushed = `${registry!.registry}/${local}`;
    await execa('docker', ['tag', local, pushed]);
    await execa('docker', ['push', '-q', pushed]);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'pulled' },
        spec: { containers: [{ name: 'c', image: pushed, imagePullPolicy: 'Always', command: ['sleep', '300'] }], terminationGracePeriodSeconds: 0 },
      },
    });
    let status;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(500)) {
      status = (await core.readNamespacedPod({ name: 'pulled', namespace })).status?.containerStatuses?.[0];
      if (status?.state?.running || status?.state?.waiting?.reason?.includes('Err')) break;
    }
    expect(status?.state?.running, JSON.stringify(status?.state)).toBeTruthy();
    expect(status?.image).toBe(pushed);
    expect(status?.imageID).toMatch(new RegExp(`^${registry!.registry}/.*@sha256:[0-9a-f]{64}$`));
  }, 300_000);
});
