import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KindPlatform } from '../../src/platform/kind/kind-platform.js';
import type { ClusterOptions } from '../../src/platform/index.js';
import { describeErlangCaExpiry } from '../shared/erlang-ca-expiry.js';
import { describeEtcdPeerCertsExpired } from '../shared/etcd-incident.js';
import { npmRun } from '../support/cli.js';
import { kindUnavailable } from '../support/kind-available.js';
import { startTestRegistry } from '../support/test-registry.js';
import { runSuite, type SuiteResult } from '../../src/run/suite.js';
import { findScenario } from '../../src/scenario/registry.js';
import type { RunRecord } from '../../src/observe/records.js';
import { installLocalPath } from '../support/local-path.js';
import { incidentSecretsFolder } from '../support/pki-folders.js';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * `--platform kubernetes`: the kind cluster as any cluster, reached only
 * through its kubeconfig, with images pushed to a registry certdrill does not
 * manage and pulled from there by the cluster's node. The scenarios run
 * unchanged and are asserted as on docker and kind; around them, nothing in
 * the cluster but the runs' own namespaces may be created or deleted.
 */
const unavailable = kindUnavailable();
const CONTEXT = 'kind-certdrill';

/** What is in the cluster outside certdrill's namespaces, each object by kind, namespace, name and uid, read with the node's own kubectl. */
async function clusterObjects(): Promise<string[]> {
  // Not read: what the cluster itself churns (events, leases, endpoints), and what a provisioner makes and removes
  // for a run's claims (its PersistentVolumes, its helper pods in its own namespace).
  const kinds = [
    'namespaces',
    'pods',
    'deployments',
    'daemonsets',
    'services',
    'configmaps',
    'secrets',
    'serviceaccounts',
    'roles',
    'rolebindings',
    'clusterroles',
    'clusterrolebindings',
    'customresourcedefinitions',
    'persistentvolumeclaims',
    'storageclasses',
  ].join(',');
  const template = '{range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}/{.metadata.uid}{"\\n"}{end}';
  const listed = await execa('docker', [
    'exec',
    'certdrill-control-plane',
    'kubectl',
    '--kubeconfig',
    '/etc/kubernetes/admin.conf',
    'get',
    kinds,
    '-A',
    '-o',
    `jsonpath=${template}`,
  ]);
  return listed.stdout
    .split('\n')
    .filter(Boolean)
    .filter((line) => !/^[^/]*\/certdrill-/.test(line) && !/^Namespace\/\/certdrill-/.test(line))
    .filter((line) => !/^Pod\/local-path-storage\/helper-pod-/.test(line))
    .sort();
}

describe.skipIf(unavailable)(
  `--platform kubernetes, on the kind cluster through its kubeconfig${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let kubeconfig: string;
    let registry: Awaited<ReturnType<typeof startTestRegistry>> | undefined;
    let before: string[];
    const saved = process.env.KUBECONFIG;
    let storageClass: string | undefined;
    const cluster = (): ClusterOptions => ({ context: CONTEXT, imageRegistry: registry!.registry, storageClass });

    beforeAll(async () => {
      // kind's platform makes (or reuses) the cluster; from here on the tests reach it only as a kubeconfig.
      const workDir = await mkdtemp(join(tmpdir(), 'certdrill-kubernetes-'));
      const kind = new KindPlatform({ runId: `kubernetes-${process.pid}`, workDir, shareCluster: true, progress: () => {} });
      await kind.readyFor([]);
      await kind.cleanup();
      kubeconfig = join(await mkdtemp(join(tmpdir(), 'certdrill-kubeconfig-')), 'config');
      await copyFile(join(workDir, 'kubeconfig'), kubeconfig);
      process.env.KUBECONFIG = kubeconfig;
      registry = await startTestRegistry();
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      storageClass = await installLocalPath(kc, registry.registry);
      before = await clusterObjects();
    }, 3_600_000);

    afterAll(async () => {
      await registry?.stop();
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    });

    describeErlangCaExpiry('kubernetes', cluster);
    // etcd's members keep their data across restarts: claims from the provisioner's StorageClass.
    describeEtcdPeerCertsExpired('kubernetes', cluster);

    it('runs from the command line, says so in results.json, and pulls its image from the registry', async () => {
      const out = await mkdtemp(join(tmpdir(), 'certdrill-kubernetes-cli-'));
      const run = await npmRun(
        'scenario',
        ['erlang-ca-expiry', '--platform', 'kubernetes', '--context', CONTEXT, '--image-registry', registry!.registry, '--out', out],
        { env: { KUBECONFIG: kubeconfig }, timeoutMs: 600_000 },
      );
      expect(run.exitCode, run.all).toBe(0);
      expect(JSON.parse(await readFile(join(out, 'results.json'), 'utf8'))).toMatchObject({ platform: 'kubernetes' });
      expect(run.all).toMatch(new RegExp(`image certdrill/erlang-app:\\w+: pushing it as ${registry!.registry}/certdrill/erlang-app:\\w+`));
      expect(run.all).toMatch(/probes reach the nodes' ports at node address \S+ \(NodePorts\)/);
    }, 600_000);

    it('runs a suite up to 2 scenarios at once, a namespace each, with the verdicts the same suite has one at a time', async () => {
      const scenarios = await Promise.all(['erlang-ca-expiry', 'toy-cert-expiry', 'erlang-clock-skew'].map((name) => findScenario(name)));
      const suite = async (parallel: number) =>
        runSuite({
          scenarios,
          platform: 'kubernetes',
          outDir: await mkdtemp(join(tmpdir(), `certdrill-kubernetes-parallel-${parallel}-`)),
          cluster: cluster(),
          parallel,
        });
      const verdicts = (result: SuiteResult) =>
        Object.fromEntries(result.entries.flatMap((e) => e.result.expectations.map((x) => [`${e.scenario.name}: ${x.id}`, x.result.verdict])));
      const serial = await suite(1);
      const sideBySide = await suite(2);
      expect(Object.keys(verdicts(serial)).length).toBeGreaterThan(6);
      expect(verdicts(sideBySide)).toEqual(verdicts(serial));
      // Side by side indeed: two runs' spans (their timelines' start and end) overlap, each under a run id, so a namespace, of its own.
      const spans = sideBySide.entries.map((e) => {
        const runs = e.timeline.filter((r): r is RunRecord => r.kind === 'run');
        return { id: runs[0]!.runId, from: Date.parse(runs[0]!.t), to: Date.parse(runs.at(-1)!.t) };
      });
      expect(new Set(spans.map((s) => s.id)).size).toBe(3);
      expect(spans.some((a) => spans.some((b) => a !== b && a.from < b.to && b.from < a.to))).toBe(true);
      // Admitted by the cluster's cores as the API gives them: three light scenarios fit two at a time on the 2-core node.
      expect(await readFile(sideBySide.findingsPath, 'utf8')).toMatch(
        /up to 2 scenarios at once \(a namespace each; 2 ran together at most, each started only while the cluster's \d+(\.\d+)? cores? covered/,
      );
      expect(await readFile(serial.findingsPath, 'utf8')).toContain('one scenario at a time');
    }, 900_000);

    it("rehearses a folder of Secrets there: the CA's expiry the first break, as on docker", async () => {
      const dir = await mkdtemp(join(tmpdir(), 'certdrill-kubernetes-rehearse-'));
      await incidentSecretsFolder(join(dir, 'secrets'), new Date());
      const out = join(dir, 'out');
      const run = await npmRun(
        'rehearse',
        [join(dir, 'secrets'), '--platform', 'kubernetes', '--context', CONTEXT, '--image-registry', registry!.registry, '--out', out],
        { env: { KUBECONFIG: kubeconfig }, timeoutMs: 600_000 },
      );
      expect(run.exitCode, run.all).toBe(0);
      expect(JSON.parse(await readFile(join(out, 'results.json'), 'utf8'))).toMatchObject({ platform: 'kubernetes' });
      const findings = await readFile(join(out, 'findings.md'), 'utf8');
      expect(/^\*\*Answer:\*\* (.*)$/m.exec(findings)?.[1]).toMatch(
        /^First break: .*, when erlclu-ca expires: from then on a node that restarts cannot rejoin/,
      );
      expect(findings).toMatch(/\*\*Result: PASS\*\* — 4 of 4 expectations hold\./);
    }, 600_000);

    it('refuses a context named like production, in one line, before anything is made', async () => {
      const renamed = join(await mkdtemp(join(tmpdir(), 'certdrill-kubeconfig-prod-')), 'config');
      await writeFile(renamed, (await readFile(kubeconfig, 'utf8')).replaceAll(CONTEXT, 'shop-prod-eu'));
      const run = await npmRun(
        'scenario',
        [
          'erlang-ca-expiry',
          '--platform',
          'kubernetes',
          '--image-registry',
          registry!.registry,
          '--out',
          await mkdtemp(join(tmpdir(), 'certdrill-prod-')),
        ],
        { env: { KUBECONFIG: renamed }, timeoutMs: 120_000 },
      );
      expect(run.exitCode).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^certdrill: context shop-prod-eu looks like production .*add --yes-this-cluster if this cluster is meant$/m);
      expect(run.stdout).not.toMatch(/pushing|starting/);
    });

    it('creates and deletes nothing in the cluster but its runs’ namespaces', async () => {
      expect(await clusterObjects()).toEqual(before);
    });
  },
);
