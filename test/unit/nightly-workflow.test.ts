import { readFile } from 'node:fs/promises';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/cli/run-matrix.js';
import { loadScenarios } from '../../src/scenario/registry.js';

const WORKFLOW = '.github/workflows/nightly.yml';

describe('the nightly workflow', () => {
  it('is valid for GitHub Actions (action-validator, the SchemaStore schema)', async () => {
    const state = validateWorkflow(await readFile(WORKFLOW, 'utf8'));
    expect(state.errors).toEqual([]);
  });

  it("runs every scenario of the incidents' workloads, and nothing that is not one", async () => {
    const text = await readFile(WORKFLOW, 'utf8');
    const listed = [...new Set([...text.matchAll(/^\s+- ((?:erlang|etcd)-[a-z-]+)$/gm)].map((m) => m[1]))];
    // The example workload (docs/ARCHITECTURE.md) has no versions to compare: the nightly leaves it out.
    const incidents = [...(await loadScenarios()).values()].filter((s) => s.workload.name !== 'toy').map((s) => s.name);
    expect(listed.sort()).toEqual(incidents.sort());
  });

  it("runs the same cells as npm run matrix on docker and kind: each workload's scenarios on each of its versions, from the same Debian suite", async () => {
    const text = await readFile(WORKFLOW, 'utf8');
    // Each job: its platforms, its scenarios, and its versions as { name, suite }.
    const jobs = text.split(/^ {2}(?=\w[\w-]*:\n)/m).filter((job) => /^\s+version:$/m.test(job));
    const nightly = jobs.flatMap((job) => {
      const platforms = /platform: \[([^\]]*)\]/
        .exec(job)![1]!
        .split(',')
        .map((p) => p.trim());
      const scenarios = [...job.matchAll(/^\s+- ((?:erlang|etcd)-[a-z-]+)$/gm)].map((m) => m[1]!).sort();
      const versions = [...job.matchAll(/- \{ name: ([\w.]+), suite: (\w+) \}/g)].map((m) => ({ name: m[1]!, suite: m[2]! }));
      // A job along the etcd-manager axis: one cell per version it names, the variable set from it.
      const managers = /manager: \[([^\]]*)\]/
        .exec(job)?.[1]!
        .split(',')
        .map((m) => m.trim().replace(/"/g, ''));
      if (managers) expect(job).toContain('CERTDRILL_ETCD_MANAGER_VERSION: ${{ matrix.manager }}');
      return platforms.flatMap((platform) =>
        versions.flatMap((v) =>
          (managers ?? ['']).map((m) => ({
            name: `${platform}-${v.name}${m ? `-etcd-manager-${m}` : ''}`,
            suite: v.suite,
            scenarios,
            env: m ? { CERTDRILL_ETCD_MANAGER_VERSION: m } : {},
          })),
        ),
      );
    });
    const local = (await plan(['docker', 'kind'])).map((c) => ({ name: c.name, suite: c.suite, scenarios: c.scenarios, env: c.env }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(nightly.sort(byName)).toEqual(local.sort(byName));
    // The cell's image is built on its suite, whose base image the job makes first.
    expect(text.match(/CERTDRILL_DEBIAN_SUITE: \$\{\{ matrix\.version\.suite \}\}/g)).toHaveLength(jobs.length);
  });

  it("gives the etcd cells Go and etcd-manager's source, each version certdrill runs, which the kops masters' scenarios build", async () => {
    const text = await readFile(new URL('../../.github/workflows/nightly.yml', import.meta.url), 'utf8');
    const etcd = text.slice(text.indexOf('\n  etcd:\n'), text.indexOf('\n  matrix-report:\n'));
    expect(etcd).toContain('uses: actions/setup-go@');
    expect(etcd).toContain('ETCD_MANAGER_VERSIONS');
    expect(etcd).toContain('CERTDRILL_ETCD_MANAGER_SOURCE=');
    expect(etcd.indexOf('CERTDRILL_ETCD_MANAGER_SOURCE=')).toBeLessThan(etcd.indexOf('npm run scenario --'));
  });

  it("keeps the runs' private keys out of the artifacts", async () => {
    const text = await readFile(WORKFLOW, 'utf8');
    expect(text.match(/!cells\/\*\*\/pki\//g)).toHaveLength(text.match(/uses: actions\/upload-artifact@/g)!.length - 1);
  });
});
