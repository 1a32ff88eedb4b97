import { readFile } from 'node:fs/promises';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { plan, planJson } from '../../src/cli/run-matrix.js';
import { loadScenarios } from '../../src/scenario/registry.js';
import { WORKLOADS } from '../../src/workload/registry.js';
import { npmRun } from '../support/cli.js';

const WORKFLOW = '.github/workflows/nightly.yml';

/** One job of the workflow, from its key to the next job's. */
function job(text: string, name: string): string {
  const start = text.indexOf(`\n  ${name}:\n`);
  expect(start, `job ${name}`).toBeGreaterThan(0);
  const next = text.slice(start + 1).search(/\n {2}[\w-]+:\n/);
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
}

describe('the nightly workflow', () => {
  it('is valid for GitHub Actions (action-validator, the SchemaStore schema)', async () => {
    const state = validateWorkflow(await readFile(WORKFLOW, 'utf8'));
    expect(state.errors).toEqual([]);
  });

  it('takes its cells from npm run matrix -- --plan, on docker and kind, and names no scenario or version itself', async () => {
    const text = await readFile(WORKFLOW, 'utf8');
    expect(job(text, 'plan')).toContain('npm run --silent matrix -- --plan --platform docker --platform kind');
    const cell = job(text, 'cell');
    expect(cell).toContain('needs: plan');
    expect(cell).toContain('matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}');
    expect(cell).toContain('CERTDRILL_DEBIAN_SUITE: ${{ matrix.suite }}');
    // The axis values of the cell (CERTDRILL_ETCD_MANAGER_VERSION) come from the plan, into the job's environment, before the run.
    expect(cell.indexOf('toJSON(matrix.env)')).toBeGreaterThan(0);
    expect(cell.indexOf('toJSON(matrix.env)')).toBeLessThan(cell.indexOf('npm run scenario --'));
    const scenarios = [...(await loadScenarios()).keys()];
    expect(scenarios.filter((name) => text.includes(name))).toEqual([]);
    expect(job(text, 'matrix-report')).toContain('needs: [cell]');
  });

  it('--plan prints every scenario of each workload that names its versions, on each version and axis value, as the matrix runs them', async () => {
    const run = await npmRun('matrix', ['--plan', '--platform', 'docker', '--platform', 'kind']);
    expect(run.exitCode, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as ReturnType<typeof planJson>;
    const cells = await plan(['docker', 'kind']);
    expect(printed).toEqual(planJson(cells));
    // Every scenario of a versioned workload, on both platforms and each of its suites, once at the axes' defaults.
    const versioned = WORKLOADS.filter((w) => w.versionsBySuite);
    const expected = [...(await loadScenarios()).values()]
      .filter((s) => versioned.includes(s.workload))
      .flatMap((s) =>
        ['docker', 'kind']
          .filter((platform) => !s.platforms || s.platforms.includes(platform as 'docker' | 'kind'))
          .flatMap((platform) => Object.keys(s.workload.versionsBySuite!).map((suite) => `${platform} ${suite} ${s.name}`)),
      );
    const atDefaults = printed.include.filter((e) => Object.keys(e.env).length === 0).map((e) => `${e.platform} ${e.suite} ${e.scenario}`);
    expect(atDefaults.sort()).toEqual(expected.sort());
    // And those that follow an axis once more per other value of it, with that value in their environment.
    for (const workload of versioned)
      for (const axis of workload.axes ?? []) {
        const following = [...(await loadScenarios()).values()].filter((s) => s.workload === workload && s.axes?.includes(axis.name));
        expect(following.length).toBeGreaterThan(0);
        for (const value of axis.values.slice(1))
          expect(printed.include.filter((e) => e.env[axis.env] === value)).toHaveLength(
            following.length * 2 * Object.keys(workload.versionsBySuite!).length,
          );
      }
    // GitHub runs at most 256 jobs from one matrix.
    expect(printed.include.length).toBeLessThanOrEqual(256);
  });

  it("gives each cell Go and etcd-manager's source, which the kops masters' scenarios build, before it runs", async () => {
    const cell = job(await readFile(WORKFLOW, 'utf8'), 'cell');
    expect(cell).toContain('uses: actions/setup-go@');
    expect(cell).toContain('ETCD_MANAGER_VERSIONS');
    expect(cell.indexOf('CERTDRILL_ETCD_MANAGER_SOURCE=')).toBeGreaterThan(0);
    expect(cell.indexOf('CERTDRILL_ETCD_MANAGER_SOURCE=')).toBeLessThan(cell.indexOf('npm run scenario --'));
  });

  it("keeps the runs' private keys out of the artifacts", async () => {
    const text = await readFile(WORKFLOW, 'utf8');
    expect(text.match(/!cells\/\*\*\/pki\//g)).toHaveLength(text.match(/uses: actions\/upload-artifact@/g)!.length - 1);
  });
});
