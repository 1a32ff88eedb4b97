import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ClockSpecError } from '../clock/spec.js';
import { ValidityError } from '../pki/validity.js';
import { createPlatform, PLATFORMS, type PlatformName } from '../platform/index.js';
import { EnvironmentError } from '../platform/types.js';
import { findScenario, loadScenarios, UnknownScenarioError } from '../scenario/registry.js';
import { runScenario } from '../scenario/runner.js';
import { runSuite } from '../scenario/suite.js';
import { describeCounts, verdictWord } from '../scenario/verdict.js';
import { WORKLOAD_IMAGES } from '../workload/index.js';
import { progressPrinter } from './progress.js';

const USAGE = `usage: npm run scenario -- <name> [--out DIR] [--platform docker|kind] [--keep-cluster]
       npm run scenario -- all [--out DIR] [--summary FILE] [--platform docker|kind]
                                         every scenario, and one findings.md over them all
                                         (--summary: that page also at FILE, linking into DIR)
       npm run scenario -- --list        the scenarios, with what each rehearses
       npm run scenario -- --prepare [--platform kind]
                                         build (or reuse) the images the scenarios run
                                         (kind: also its node image and the kind CLI)
       npm run scenario -- --cleanup [--platform kind]
                                         remove what interrupted runs left behind`;

const REPORTS_DIR = fileURLToPath(new URL('../../reports/runs', import.meta.url));

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const scenario of (await loadScenarios()).values()) console.log(`${scenario.name.padEnd(28)} ${scenario.description}`);
    return 0;
  }
  const platformName = values.platform as PlatformName;
  if (!PLATFORMS.includes(platformName)) throw new UsageError(`unknown platform "${values.platform}": use one of ${PLATFORMS.join(', ')}`);
  if (values.prepare) {
    const platform = await createPlatform(platformName, { runId: 'prepare', progress: (line) => console.log(line) });
    await platform.check();
    if (platform.prepare) console.log(`${platformName}: ${await platform.prepare()}`);
    for (const { workload, image } of WORKLOAD_IMAGES) console.log(`${workload}: ${await platform.prepareImage(image)}`);
    return 0;
  }
  if (values.cleanup) {
    const platform = await createPlatform(platformName, { runId: 'cleanup' });
    const swept = (await platform.sweepAbandoned?.()) ?? 0;
    console.log(`removed what ${swept} interrupted run(s) left behind`);
    return 0;
  }
  if (values.summary && positionals[0] !== 'all') throw new UsageError('--summary goes with all');
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name a scenario to run' : `one scenario at a time, not ${positionals.join(' ')}`);

  const name = positionals[0]!;
  const scenario = name === 'all' ? undefined : await findScenario(name);
  const outDir = resolve(values.out ?? join(REPORTS_DIR, `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}-${name}`));
  const printer = progressPrinter();
  const abort = new AbortController();
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches npm and certdrill both, and npm passes it on: one key press can arrive twice.
    if (abort.signal.aborted && Date.now() - firstSignalAt < 1000) return;
    if (abort.signal.aborted) {
      printer.line(`second ${signal}: leaving now; npm run scenario -- --cleanup removes what is left`);
      process.exit(130);
    }
    printer.line(`${signal}: stopping and removing what this run made (press Ctrl-C again to leave at once)`);
    firstSignalAt = Date.now();
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (!scenario) {
    const scenarios = [...(await loadScenarios()).values()];
    printer.line(`suite: ${scenarios.length} scenarios on ${platformName}, into ${outDir}`);
    const suite = await runSuite({
      scenarios,
      platform: platformName,
      outDir,
      signal: abort.signal,
      progress: printer.line,
      onRecord: printer.record,
      summary: values.summary,
      keepCluster: values['keep-cluster'],
    });
    const failedEnv = suite.entries.find((e) => isUserError(e.result.error));
    if (failedEnv?.result.error) throw failedEnv.result.error;
    const all = suite.entries.flatMap((e) => e.result.expectations.map((x) => ({ name: e.scenario.name, x })));
    for (const { name: n, x } of all) if (x.result.verdict !== 'pass') printer.line(`${verdictWord(x.result.verdict)} ${n}: ${x.title}: ${x.result.observed}`);
    printer.line(`${describeCounts(all.map((a) => a.x.result.verdict))}, across ${suite.entries.length} scenarios`);
    printer.line(`findings: ${suite.findingsPath}`);
    if (suite.outcome === 'interrupted') return 130;
    const complete = suite.entries.every((e) => e.result.outcome === 'completed' && e.result.expectations.length > 0);
    return complete && all.every((a) => a.x.result.verdict === 'pass') ? 0 : 1;
  }

  printer.line(`scenario ${scenario.name}: ${scenario.description}`);
  const result = await runScenario({
    scenario,
    platform: platformName,
    outDir,
    signal: abort.signal,
    progress: printer.line,
    onRecord: printer.record,
    keepCluster: values['keep-cluster'],
  });
  if (result.outcome === 'failed' && result.error) {
    if (isUserError(result.error)) throw result.error;
    printer.line(`the run failed: ${result.error.message}`);
  }
  if (result.outcome === 'interrupted') {
    printer.line(`interrupted; what it made is removed. Partial findings: ${result.findingsPath}`);
    return 130;
  }
  if (result.expectations.length === 0) return 1;
  for (const e of result.expectations) printer.line(`${verdictWord(e.result.verdict)} ${e.title}: ${e.result.observed}`);
  printer.line(`findings: ${result.findingsPath}`);
  printer.line(`timeline: ${result.timelinePath}`);
  // UNKNOWN (could not judge) exits 1 like FAIL: neither is a pass.
  return result.outcome === 'completed' && result.expectations.every((e) => e.result.verdict === 'pass') ? 0 : 1;
}

/** Errors the user can fix, reported in one line with exit status 2. */
function isUserError(error: unknown): boolean {
  return [UsageError, UnknownScenarioError, EnvironmentError, ClockSpecError, ValidityError].some((k) => error instanceof k);
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        platform: { type: 'string', default: 'docker' },
        list: { type: 'boolean', default: false },
        cleanup: { type: 'boolean', default: false },
        prepare: { type: 'boolean', default: false },
        summary: { type: 'string' },
        'keep-cluster': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isUserError(error)) {
      console.error(`certdrill: ${(error as Error).message}`);
      if (error instanceof UsageError) console.error(USAGE);
      process.exit(2);
    }
    console.error(`certdrill: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
