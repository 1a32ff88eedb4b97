import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { TimelineRecord } from '../observe/records.js';
import { parseTimeline } from '../observe/timeline.js';
import { createPlatform } from '../platform/index.js';
import { renderSuite, type SuiteEntry } from '../report/suite.js';
import type { AnyScenario } from '../scenario/types.js';
import { WORKLOADS } from '../workload/registry.js';
import { runScenario, type RunOptions } from './runner.js';

export interface SuiteOptions extends Omit<RunOptions, 'scenario'> {
  scenarios: AnyScenario[];
  /** Also write the suite's page here (e.g. reports/FINDINGS.md), its links pointing into outDir. */
  summary?: string;
}

export interface SuiteResult {
  outcome: 'completed' | 'interrupted';
  entries: SuiteEntry[];
  findingsPath: string;
}

/** Runs every scenario, one after another, each into OUT/<name>/, then writes OUT/findings.md over all of them. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const entries: SuiteEntry[] = [];
  const startedAt = new Date().toISOString();
  let outcome: SuiteResult['outcome'] = 'completed';
  const elsewhere = options.scenarios.filter((s) => s.platforms && !s.platforms.includes(options.platform));
  if (elsewhere.length > 0)
    options.progress?.(`left out, as they run on other platforms: ${elsewhere.map((s) => `${s.name} (${s.platforms!.join(', ')})`).join(', ')}`);
  const scenarios = options.scenarios.filter((s) => !elsewhere.includes(s));
  try {
    for (const [i, scenario] of scenarios.entries()) {
      if (options.signal?.aborted) {
        outcome = 'interrupted';
        break;
      }
      options.progress?.(`── ${i + 1}/${scenarios.length} ${scenario.name}`);
      const dir = join(options.outDir, scenario.name);
      const { scenarios: _all, summary: _page, ...common } = options;
      // One cluster for the whole suite (a namespace per scenario): kept between scenarios, released after the last.
      const result = await runScenario({ ...common, scenario, outDir: dir, shareCluster: true });
      if (result.outcome === 'interrupted') outcome = 'interrupted';
      const findings = await readFile(result.findingsPath, 'utf8').catch(() => undefined);
      const timeline = await readFile(result.timelinePath, 'utf8')
        .then(parseTimeline)
        .catch(() => [] as TimelineRecord[]);
      entries.push({ scenario, dir: scenario.name, result, findings, timeline });
    }
  } finally {
    if (!options.keepCluster) {
      const platform = await createPlatform(options.platform, { runId: 'suite', progress: options.progress });
      await platform.releaseCluster?.().catch((error: Error) => options.progress?.(`could not release the cluster: ${error.message}`));
    }
  }
  const findingsPath = join(options.outDir, 'findings.md');
  const page = {
    entries,
    questions: WORKLOADS.flatMap((w) => w.questions),
    platform: options.platform,
    startedAt,
    endedAt: new Date().toISOString(),
    outcome,
    elsewhere: elsewhere.map((s) => ({ name: s.name, platforms: s.platforms! })),
  };
  await writeFile(findingsPath, renderSuite(page));
  if (options.summary)
    await writeFile(options.summary, renderSuite({ ...page, base: relative(dirname(resolve(options.summary)), resolve(options.outDir)) || '.' }));
  return { outcome, entries, findingsPath };
}
