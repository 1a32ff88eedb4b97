import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KindPlatform } from '../../src/platform/kind/kind-platform.js';
import { npmRun } from '../support/cli.js';
import { kindUnavailable } from '../support/kind-available.js';
import { labelValue } from '../../src/platform/kubernetes/labels.js';

/**
 * The kind cluster as any cluster a kubeconfig reaches (`--platform
 * kubernetes --context kind-certdrill`): `doctor` asks the API server whether
 * the context may do what a run does, and `cleanup` removes only certdrill's
 * namespaces of ended runs, never another namespace, whatever its name.
 */
const unavailable = kindUnavailable();

describe.skipIf(unavailable)(`a cluster reached through its kubeconfig, on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const id = process.pid;
  const names = {
    foreign: `payments-${id}`,
    prefixOnly: `certdrill-notours-${id}`,
    abandoned: `certdrill-abandoned-${id}`,
    live: `certdrill-live-${id}`,
  };
  let platform: KindPlatform;
  let kubeconfig: string;
  let core: CoreV1Api;
  let deadPid: number;

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'certdrill-kubernetes-context-'));
    platform = new KindPlatform({ runId: `context-${id}`, workDir, shareCluster: true, progress: () => {} });
    await platform.readyFor([]);
    kubeconfig = join(workDir, 'kubeconfig');
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    // A process of this host that has ended: what a run killed outright leaves as its namespace's owner.
    deadPid = Number((await execa('sh', ['-c', 'echo $$'])).stdout.trim());
    const owner = (pid: number | string) => ({
      'app.kubernetes.io/part-of': 'certdrill',
      'certdrill.run': `r${id}`,
      'certdrill.pid': String(pid),
      'certdrill.host': labelValue(hostname()),
    });
    const { [`certdrill.run`]: _run, ...labelledOnly } = owner(deadPid);
    await core.createNamespace({ body: { metadata: { name: names.foreign, labels: labelledOnly } } });
    await core.createNamespace({ body: { metadata: { name: names.prefixOnly, labels: { 'certdrill.pid': String(deadPid) } } } });
    await core.createNamespace({ body: { metadata: { name: names.abandoned, labels: owner(deadPid) } } });
    await core.createNamespace({ body: { metadata: { name: names.live, labels: owner(process.pid) } } });
  }, 3_600_000);

  afterAll(async () => {
    for (const name of Object.values(names)) await core?.deleteNamespace({ name }).catch(() => undefined);
    await platform?.cleanup();
  });

  const exists = (name: string) =>
    core.readNamespace({ name }).then(
      (ns) => !ns.metadata?.deletionTimestamp,
      () => false,
    );

  it("cleanup removes the namespace of an ended run and leaves every other: a running one, and two that only look like certdrill's", async () => {
    const run = await npmRun('scenario', ['--cleanup', '--platform', 'kubernetes', '--context', 'kind-certdrill'], {
      env: { KUBECONFIG: kubeconfig },
      timeoutMs: 180_000,
    });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toContain(`removing namespace ${names.abandoned}, left by an interrupted run`);
    expect(run.stdout).toMatch(new RegExp(`namespace ${names.live}: its run \\(process ${process.pid} on .*\\) may still be going: left`));
    expect(run.stdout).toMatch(/^context kind-certdrill: removed what [1-9]\d* interrupted run\(s\) left behind$/m);
    expect(await exists(names.abandoned)).toBe(false);
    expect(await exists(names.live)).toBe(true);
    // Labelled part-of certdrill but not named so, and named so but not labelled: not certdrill's, never touched.
    expect(await exists(names.foreign)).toBe(true);
    expect(await exists(names.prefixOnly)).toBe(true);
    expect(run.stdout).not.toContain(names.foreign);
    expect(run.stdout).not.toContain(names.prefixOnly);
  }, 240_000);

  it('doctor finds every permission a run needs granted to the cluster admin', async () => {
    const run = await npmRun('doctor', ['--platform', 'kubernetes', '--context', 'kind-certdrill'], { env: { KUBECONFIG: kubeconfig } });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toMatch(/^context kind-certdrill: API server https:\/\/127\.0\.0\.1:\d+$/m);
    expect(run.stdout).not.toContain('MISSING');
    expect(run.stdout).toMatch(/^context kind-certdrill: every one of the \d+ permissions a run needs is granted$/m);
  });

  it('doctor lists what a service account with no role lacks, and exits 1', async () => {
    const namespace = names.live;
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'nobody' } } });
    const token = (await core.createNamespacedServiceAccountToken({ name: 'nobody', namespace, body: { spec: { audiences: [] } } })).status!.token;
    const admin = await readFile(kubeconfig, 'utf8');
    const server = /server: (\S+)/.exec(admin)![1]!;
    const ca = /certificate-authority-data: (\S+)/.exec(admin)![1]!;
    const limited = join(await mkdtemp(join(tmpdir(), 'certdrill-nobody-')), 'config');
    await writeFile(
      limited,
      `apiVersion: v1
kind: Config
clusters: [{ name: kind, cluster: { server: "${server}", certificate-authority-data: "${ca}" } }]
users: [{ name: nobody, user: { token: "${token}" } }]
contexts: [{ name: kind-nobody, context: { cluster: kind, user: nobody } }]
current-context: kind-nobody
`,
      { mode: 0o600 },
    );
    const run = await npmRun('doctor', ['--platform', 'kubernetes'], { env: { KUBECONFIG: limited } });
    expect(run.exitCode, run.all).toBe(1);
    expect(run.stdout).toMatch(/^ {2}MISSING create namespaces +cluster-wide: the run's namespace$/m);
    expect(run.stdout).toMatch(/^ {2}MISSING create pods\/exec +in its namespaces: /m);
    expect(run.stdout).toMatch(/^context kind-nobody: \d+ of \d+ permissions missing/m);
  });
});
