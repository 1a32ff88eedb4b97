import { describe, expect, it } from 'vitest';
import { plan } from '../../src/cli/run-matrix.js';
import { loadScenarios } from '../../src/scenario/registry.js';

describe('npm run matrix: its cells', () => {
  it('runs every scenario of each versioned workload once per Debian suite, per platform, in folders of their own', async () => {
    const cells = await plan(['docker']);
    const scenarios = [...(await loadScenarios()).values()];
    const versioned = scenarios.filter((s) => s.workload.versionsBySuite);
    expect(cells.map((c) => `${c.suite} ${c.versions}`).sort()).toEqual(['bookworm OTP 25', 'bookworm etcd 3.4', 'trixie OTP 27', 'trixie etcd 3.5']);
    expect(new Set(cells.map((c) => c.name)).size).toBe(cells.length);
    for (const s of versioned) expect(cells.filter((c) => c.scenarios.includes(s.name))).toHaveLength(2);
    // A workload that names no versions (the example) is not a cell.
    expect(cells.flatMap((c) => c.scenarios)).not.toContain('toy-cert-expiry');
  });

  it('repeats the cells per platform asked for', async () => {
    expect(await plan(['docker', 'kind'])).toHaveLength(2 * (await plan(['docker'])).length);
  });
});
