import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseTimeline } from '../src/observe/timeline.js';
import { loadScenarios, recordedRunOf } from '../src/scenario/registry.js';

// npm run record-runs -- [SUITE_DIR]: keeps each scenario's timeline from a suite run (reports/suite by default,
// as `npm run findings` writes it) beside the scenario, gzipped, in the current record format: the recorded
// run the tests judge the scenario's checks and answer on.
const suite = process.argv[2] ?? 'reports/suite';
const missing: string[] = [];
for (const scenario of (await loadScenarios()).values()) {
  const target = recordedRunOf(scenario);
  let text: string;
  try {
    text = await readFile(join(suite, scenario.name, 'timeline.jsonl'), 'utf8');
  } catch {
    missing.push(scenario.name);
    continue;
  }
  const lines = parseTimeline(text).map((record) => JSON.stringify(record));
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, gzipSync(`${lines.join('\n')}\n`, { level: 9 }));
  console.log(`wrote ${relative(process.cwd(), target)} (${lines.length} records)`);
}
if (missing.length) {
  console.error(`no run of ${missing.join(', ')} in ${suite}: run them (npm run findings runs every scenario), then this again`);
  process.exitCode = 1;
}
