import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { TimelineRecord } from '../observe/records.js';
import { parseTimeline } from '../observe/timeline.js';
import { createPlatform } from '../platform/index.js';
import { renderSuite, type SuiteEntry } from '../report/suite.js';
import { formatCores } from '../report/format.js';
import type { AnyScenario } from '../scenario/types.js';
import { WORKLOADS } from '../workload/registry.js';
import { runScenario, type RunOptions } from './runner.js';
import { nextAdmitted, scenarioCores } from './admission.js';

export interface SuiteOptions extends Omit<RunOptions, 'scenario'> {
  scenarios: AnyScenario[];
  /** Also write the suite's page here (e.g. reports/FINDINGS.md), its links pointing into outDir. */
  summary?: string;
  /** Up to this many scenarios at once, a namespace each (kubernetes); one after another when 1 or omitted. */
  parallel?: number;
  /** Where a scenario run side by side with others says its progress and its records (each its own, named). */
  printerOf?: (scenario: string) => { line: (text: string) => void; record: NonNullable<RunOptions['onRecord']> };
}

export interface SuiteResult {
  outcome: 'completed' | 'interrupted';
  entries: SuiteEntry[];
  findingsPath: string;
}

/**
 * Runs every scenario, each into OUT/<name>/, then writes OUT/findings.md
 * over all of them: one after another, or up to `parallel` at once, each
 * started (in the suite's order, where it fits) only while the cluster's
 * cores cover what it and the running ones keep busy.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const startedAt = new Date().toISOString();
  let outcome: SuiteResult['outcome'] = 'completed';
  const elsewhere = options.scenarios.filter((s) => s.platforms && !s.platforms.includes(options.platform));
  if (elsewhere.length > 0)
    options.progress?.(`left out, as they run on other platforms: ${elsewhere.map((s) => `${s.name} (${s.platforms!.join(', ')})`).join(', ')}`);
  const scenarios = options.scenarios.filter((s) => !elsewhere.includes(s));
  const parallel = Math.max(1, Math.min(options.parallel ?? 1, scenarios.length));
  const done: (SuiteEntry | undefined)[] = [];
  const { scenarios: _all, summary: _page, parallel: _parallel, printerOf, ...common } = options;
  // The suite's own view of the platform (not a run's): what the cluster can give, and releasing it after the last run.
  let suiteLevel: ReturnType<typeof createPlatform> | undefined;
  const platform = () => (suiteLevel ??= createPlatform(options.platform, { runId: 'suite', progress: options.progress, ...options.cluster }));
  const capacity = parallel > 1 ? await clusterCapacity(await platform(), options) : undefined;
  if (capacity !== undefined)
    options.progress?.(`the cluster has ${formatCores(capacity)} allocatable: scenarios start side by side only while their cores fit in it`);
  const runOne = async (i: number, running: number): Promise<void> => {
    const scenario = scenarios[i]!;
    const beside = parallel > 1 && running > 0 ? ` (${running} running beside it)` : '';
    options.progress?.(`── ${i + 1}/${scenarios.length} ${scenario.name}${beside}`);
    const dir = join(options.outDir, scenario.name);
    // Side by side, each scenario's lines are its own, named: node1 of one is not node1 of another.
    const printer = parallel > 1 ? printerOf?.(scenario.name) : undefined;
    const own = printer ? { progress: printer.line, onRecord: printer.record } : {};
    // One cluster for the whole suite (a namespace per scenario): kept between scenarios, released after the last.
    const result = await runScenario({ ...common, ...own, scenario, outDir: dir, shareCluster: true });
    if (result.outcome === 'interrupted') outcome = 'interrupted';
    if (parallel > 1) options.progress?.(`── ${scenario.name} ended (${result.outcome})`);
    const findings = await readFile(result.findingsPath, 'utf8').catch(() => undefined);
    const timeline = await readFile(result.timelinePath, 'utf8')
      .then(parseTimeline)
      .catch(() => [] as TimelineRecord[]);
    done[i] = { scenario, dir: scenario.name, result, findings, timeline };
  };
  let mostAtOnce = 0;
  try {
    const waiting = scenarios.map((_, i) => i);
    const running = new Map<number, Promise<void>>();
    while (waiting.length > 0 || running.size > 0) {
      for (;;) {
        if (options.signal?.aborted) {
          if (waiting.length > 0) outcome = 'interrupted';
          break;
        }
        const cores = (list: Iterable<number>) => [...list].map((i) => scenarioCores(scenarios[i]!));
        const pick = nextAdmitted(cores(waiting), cores(running.keys()), { parallel, capacity });
        if (pick === undefined) break;
        const [i] = waiting.splice(pick, 1) as [number];
        const run = runOne(i, running.size).finally(() => running.delete(i));
        running.set(i, run);
        mostAtOnce = Math.max(mostAtOnce, running.size);
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    if (!options.keepCluster) {
      await (await platform()).releaseCluster?.().catch((error: Error) => options.progress?.(`could not release the cluster: ${error.message}`));
    }
  }
  const entries = done.filter((e): e is SuiteEntry => e !== undefined);
  const findingsPath = join(options.outDir, 'findings.md');
  const page = {
    entries,
    questions: WORKLOADS.flatMap((w) => w.questions),
    platform: options.platform,
    startedAt,
    endedAt: new Date().toISOString(),
    outcome,
    elsewhere: elsewhere.map((s) => ({ name: s.name, platforms: s.platforms! })),
    parallel,
    mostAtOnce,
    capacity,
  };
  await writeFile(findingsPath, renderSuite(page));
  if (options.summary)
    await writeFile(options.summary, renderSuite({ ...page, base: relative(dirname(resolve(options.summary)), resolve(options.outDir)) || '.' }));
  return { outcome, entries, findingsPath };
}

/** The cluster's cores for scenarios, where its platform can tell; a cluster that cannot be asked leaves the count alone to decide. */
async function clusterCapacity(platform: Awaited<ReturnType<typeof createPlatform>>, options: SuiteOptions): Promise<number | undefined> {
  return platform.capacity?.().catch((error: Error) => {
    options.progress?.(
      `could not read the cluster's allocatable cores (${error.message}): up to ${options.parallel} at once, whatever they keep busy`,
    );
    return undefined;
  });
}
