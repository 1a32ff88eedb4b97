import { describe, expect, it } from 'vitest';
import { plan } from '../../src/cli/run-matrix.js';
import { loadScenarios } from '../../src/scenario/registry.js';
import { ETCD_MANAGER_VERSIONS, etcdManagerUnderTest } from '../../src/workload/etcd/manager/versions.js';

describe('npm run matrix: its cells', () => {
  it('runs every scenario of each versioned workload once per Debian suite, per platform, in folders of their own', async () => {
    const cells = (await plan(['docker'])).filter((c) => Object.keys(c.env).length === 0);
    const scenarios = [...(await loadScenarios()).values()];
    const versioned = scenarios.filter((s) => s.workload.versionsBySuite && (!s.platforms || s.platforms.includes('docker')));
    const elsewhere = scenarios.filter((s) => s.platforms && !s.platforms.includes('docker'));
    expect(cells.map((c) => `${c.suite} ${c.versions}`).sort()).toEqual(['bookworm OTP 25', 'bookworm etcd 3.4', 'trixie OTP 27', 'trixie etcd 3.5']);
    expect(new Set(cells.map((c) => c.name)).size).toBe(cells.length);
    for (const s of versioned) expect(cells.filter((c) => c.scenarios.includes(s.name))).toHaveLength(2);
    // A scenario for other platforms (cert-manager's, kind only) is in none of docker's cells.
    expect(elsewhere.length).toBeGreaterThan(0);
    for (const s of elsewhere) expect(cells.flatMap((c) => c.scenarios)).not.toContain(s.name);
    // A workload that names no versions (the example) is not a cell.
    expect(cells.flatMap((c) => c.scenarios)).not.toContain('toy-cert-expiry');
  });

  it('runs the scenarios that follow the etcd-manager axis once more per other etcd-manager version, on each suite', async () => {
    const scenarios = [...(await loadScenarios()).values()];
    const following = scenarios
      .filter((s) => s.axes?.includes('etcd-manager'))
      .map((s) => s.name)
      .sort();
    expect(following).toContain('etcd-certs-expire-in-time');
    const alongAxis = (await plan(['docker'])).filter((c) => Object.keys(c.env).length > 0);
    expect(alongAxis.map((c) => c.name).sort()).toEqual(
      ['etcd3.4', 'etcd3.5'].flatMap((etcd) => ETCD_MANAGER_VERSIONS.slice(1).map((v) => `docker-${etcd}-etcd-manager-${v}`)).sort(),
    );
    for (const cell of alongAxis) {
      expect(cell.scenarios).toEqual(following);
      expect(cell.env).toEqual({ CERTDRILL_ETCD_MANAGER_VERSION: cell.name.split('-etcd-manager-')[1] });
    }
  });

  it('a scenario that follows the axis runs the version its variable names: the legacy one when unset, one line for one it does not have', () => {
    expect(etcdManagerUnderTest({})).toBe('3.0.20200116');
    expect(etcdManagerUnderTest({ CERTDRILL_ETCD_MANAGER_VERSION: 'v3.0.20260707' })).toBe('v3.0.20260707');
    expect(() => etcdManagerUnderTest({ CERTDRILL_ETCD_MANAGER_VERSION: 'latest' })).toThrow(
      /^CERTDRILL_ETCD_MANAGER_VERSION=latest is not a version certdrill runs/,
    );
  });

  it('repeats the cells per platform asked for', async () => {
    expect(await plan(['docker', 'kind'])).toHaveLength(2 * (await plan(['docker'])).length);
  });
});
