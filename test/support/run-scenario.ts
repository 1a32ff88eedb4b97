import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleInWindow, TimelineQuery } from '../../src/observe/query.js';
import type { AlertRecord, StateRecord, StepRecord, TimelineRecord } from '../../src/observe/records.js';
import { membershipSamples, type MembershipSample } from '../../src/workload/membership-view.js';
import { parseTimeline } from '../../src/observe/timeline.js';
import type { ClusterOptions, PlatformName } from '../../src/platform/index.js';
import { findScenario } from '../../src/scenario/registry.js';
import { runScenario, type RunResult } from '../../src/run/runner.js';

/** A real run of a scenario (on Docker unless told), and what its timeline.jsonl recorded, for the tests to read. */
export interface RecordedRun {
  outDir: string;
  result: RunResult;
  records: TimelineRecord[];
  findings: string;
  step(id: string): StepRecord;
  membership(): MembershipSample[];
  health(view: 'apiserver' | 'etcdctl' | 'componentstatus'): StateRecord[];
  alerts(): AlertRecord[];
}

/** `cluster`: on kubernetes, the cluster's context and registry (known once the test's set-up made them). */
export async function recordRun(name: string, platform: PlatformName = 'docker', cluster?: ClusterOptions): Promise<RecordedRun> {
  const outDir = await mkdtemp(join(tmpdir(), `certdrill-${platform}-${name}-`));
  const lines: string[] = [];
  // On kind, every test file shares one cluster: kept between runs, deleted by the kind project's teardown.
  const result = await runScenario({
    scenario: await findScenario(name),
    platform,
    outDir,
    progress: (l) => lines.push(l),
    shareCluster: platform === 'kind',
    cluster,
  });
  if (result.error) throw new Error(`the run failed: ${result.error.message}\n${lines.join('\n')}`);
  const records = parseTimeline(await readFile(join(outDir, 'timeline.jsonl'), 'utf8'));
  // The questions the checks ask of a timeline, asked the same way here.
  const q = new TimelineQuery(records);
  return {
    outDir,
    result,
    records,
    findings: await readFile(join(outDir, 'findings.md'), 'utf8'),
    step: (id) => q.step(id),
    membership: () => membershipSamples(q),
    health: (view) => q.states({ view }),
    alerts: () => q.alerts(),
  };
}

export const ms = (t: string) => Date.parse(t);

/** Records after step `stepId` was recorded (its end); a probe's sample only when it was sent after. */
export const after = (run: RecordedRun, stepId: string) => (r: { t: string; sentAt?: string }) => sampleInWindow(r, { after: run.step(stepId).t });
/** Records before step `stepId` started. */
export const before = (run: RecordedRun, stepId: string) => (r: { t: string }) => ms(r.t) < ms(run.step(stepId).startedAt);
