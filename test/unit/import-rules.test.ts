import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/import-rules');

/** The rules of .dependency-cruiser.cjs (as `npm run deps` applies them) over src/ and scenarios/ under `baseDir`, one line per violation. */
async function violations(baseDir: string): Promise<string[]> {
  const options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(join(ROOT, 'tsconfig.json'));
  const result = await cruise(['src', 'scenarios'], { ...options, baseDir }, {}, { tsConfig });
  const output = result.output as ICruiseResult;
  // A cruise that saw no imports would find no violations either: make sure it saw them.
  expect(output.summary.totalDependenciesCruised, `no imports found under ${baseDir}: does the config resolve the .js specifiers?`).toBeGreaterThan(
    10,
  );
  return output.summary.violations.map(describe_).sort();
}

function describe_(v: IViolation): string {
  const cycle = v.cycle?.length ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')})` : '';
  return `${v.rule.name}: ${v.from} → ${v.to}${cycle}`;
}

describe('import rules (.dependency-cruiser.cjs, npm run deps)', () => {
  it('certdrill breaks none', async () => {
    const found = await violations(ROOT);
    expect(found, `${found.length} import rule violation(s):\n${found.join('\n')}`).toEqual([]);
  });

  it('finds each kind of violation in a fixture made to break them, and nothing the fixture does not break', async () => {
    // A module cycle is reported once, a folder cycle from both ends.
    expect(await violations(FIXTURE)).toEqual(
      [
        'no-circular: src/util/ping.ts → src/util/pong.ts (cycle: src/util/ping.ts → src/util/pong.ts → src/util/ping.ts)',
        'no-circular: src/report/report.ts → src/scenario/scenario.ts (cycle: src/report/report.ts → src/scenario/scenario.ts → src/report/report.ts)',
        'no-circular-folders: src/report → src/scenario (cycle: src/report → src/scenario → src/report)',
        'no-circular-folders: src/scenario → src/report (cycle: src/scenario → src/report → src/scenario)',
        'layer-clock: src/clock/clock.ts → src/platform/node.ts',
        'layer-scenario: src/scenario/scenario.ts → src/report/report.ts',
        'workload-interface-only: src/report/report.ts → src/workload/etcd/etcd.ts',
        'workloads-independent: src/workload/etcd/etcd.ts → src/workload/erlang/erlang.ts',
        'scenario-files-no-run-cli-platform: scenarios/rehearsal.ts → src/platform/node.ts',
      ].sort(),
    );
  });
});
