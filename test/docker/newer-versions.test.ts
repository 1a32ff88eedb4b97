import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResults } from '../../src/report/results.js';
import { cli } from '../support/cli.js';

/**
 * The newer versions, for real: the images built on Debian trixie
 * (CERTDRILL_DEBIAN_SUITE=trixie) run OTP 27 and etcd 3.5, and a scenario of
 * each workload judges them as it judges bookworm's. A change that breaks the
 * newer versions fails here. (.ci/run makes debian:trixie-slim.)
 */
describe.each([
  ['erlang-ca-expiry', 'OTP', /^27\./],
  ['etcd-client-cert-expired', 'etcd', /^3\.5\./],
  // etcd 3.5 under certdrill-clock: its Go clock moved, certificates judged by it.
  ['etcd-member-clock-skew', 'etcd', /^3\.5\./],
])('%s on Debian trixie', (scenario, component, version) => {
  it(`runs on ${component} ${version.source.replace(/[\\^]/g, '').replace(/\.$/, '')} and every expectation holds`, async () => {
    const out = await mkdtemp(join(tmpdir(), `certdrill-trixie-${scenario}-`));
    const run = await cli([scenario, '--out', out], { env: { CERTDRILL_DEBIAN_SUITE: 'trixie' }, timeoutMs: 280_000 });
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults;
    expect(results.versions[component], `versions the nodes reported: ${JSON.stringify(results.versions)}`).toMatch(version);
    expect(
      results.expectations.filter((e) => e.verdict !== 'pass'),
      run.all,
    ).toEqual([]);
    expect(run.exitCode).toBe(0);
  }, 300_000);
});
