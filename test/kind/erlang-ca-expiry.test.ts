import { describe, expect, it } from 'vitest';
import { certdrillLeftovers } from '../support/docker-leftovers.js';
import { kindUnavailable } from '../support/kind-available.js';
import { ms, type RecordedRun } from '../support/run-scenario.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeline } from '../../src/observe/timeline.js';
import { findScenario } from '../../src/scenario/registry.js';
import { runScenario } from '../../src/scenario/runner.js';

const unavailable = kindUnavailable();

/** The same scenario, unchanged, on a kind cluster: what the Docker run shows must hold there too. */
describe.skipIf(unavailable)(`erlang-ca-expiry on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('forms the mesh, keeps it across the CA\'s expiry, and leaves the restarted pod alone', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'certdrill-kind-'));
    const result = await runScenario({ scenario: await findScenario('erlang-ca-expiry'), platform: 'kind', outDir });
    expect(result.error).toBeUndefined();
    const records = parseTimeline(await readFile(join(outDir, 'timeline.jsonl'), 'utf8'));
    const run = { records } as Pick<RecordedRun, 'records'>;
    const restart = run.records.find((r) => r.kind === 'step' && r.id === 'restart-node3')!;
    const node3 = run.records.filter((r) => r.kind === 'membership' && r.node === 'node3' && r.up && ms(r.t) > ms(restart.t));
    expect(node3.length).toBeGreaterThan(3);
    expect(node3.every((r) => r.kind === 'membership' && r.sees.length === 0)).toBe(true);
    expect(result.expectations.every((e) => e.result.pass)).toBe(true);
    expect((await certdrillLeftovers()).containers.filter((c) => !c.startsWith('certdrill-control-plane'))).toEqual([]);
  });
});
