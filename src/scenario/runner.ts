import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseClockSpec } from '../clock/spec.js';
import { Observer } from '../observe/observer.js';
import { TimelineQuery } from '../observe/query.js';
import type { RunRecord, StepRecord, TimelineRecord } from '../observe/records.js';
import { Timeline } from '../observe/timeline.js';
import type { Forged } from '../pki/certificate.js';
import { prepareKeys } from '../pki/certificate.js';
import { writeForged } from '../pki/files.js';
import { createPlatform, type PlatformExtras, type PlatformName } from '../platform/index.js';
import type { Platform } from '../platform/types.js';
import { renderFindings, type ExpectationOutcome } from '../report/findings.js';
import { RunContext } from './context.js';
import { deploy } from './deployment.js';
import type { ClusterSetup, Scenario, Verdict } from './types.js';
import { unknown } from './verdict.js';

export interface RunOptions {
  scenario: Scenario;
  platform: PlatformName;
  /** Where findings.md, timeline.jsonl, logs/ and the run's pki/ go. */
  outDir: string;
  /** Aborting it stops the run early; everything made is still removed. */
  signal?: AbortSignal;
  progress?: (line: string) => void;
  /** Sees each timeline record as it is made (live progress). */
  onRecord?: (record: TimelineRecord) => void;
  /** kind: keep the cluster after the run. */
  keepCluster?: boolean;
  /** kind: leave the cluster for the next run of a suite, which releases it after the last. */
  shareCluster?: boolean;
}

export interface RunResult {
  outcome: 'completed' | 'interrupted' | 'failed';
  expectations: ExpectationOutcome[];
  findingsPath: string;
  timelinePath: string;
  error?: Error;
}

export class RunInterrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Runs one scenario on one platform and writes its findings; always removes what it made. */
export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { scenario, outDir } = options;
  const progress = options.progress ?? (() => {});
  const signal = options.signal ?? new AbortController().signal;
  const runId = makeRunId();
  const startedAt = new Date();
  // Most scenarios forge four to twelve keys: make the first ones in parallel.
  await prepareKeys(4);
  const setup = await scenario.setup(startedAt);
  const deployment = deploy(setup);
  for (const { spec } of deployment.clocks()) parseClockSpec(spec);

  await mkdir(outDir, { recursive: true });
  const timelinePath = join(outDir, 'timeline.jsonl');
  const findingsPath = join(outDir, 'findings.md');
  const timeline = new Timeline(timelinePath);
  if (options.onRecord) timeline.onRecord(options.onRecord);
  const platform = await createPlatform(options.platform, { runId, progress, workDir: join(outDir, 'platform'), keepCluster: options.keepCluster, shareCluster: options.shareCluster, signal });
  const observer = new Observer(platform, deployment.workload, timeline, deployment.nodes, { logDir: join(outDir, 'logs') });
  const context = new RunContext(deployment, platform, observer, timeline, signal, progress);
  const runRecord = { kind: 'run', scenario: scenario.name, platform: platform.name, runId } as const;

  let outcome: RunResult['outcome'] = 'completed';
  let failure: Error | undefined;
  try {
    await untilAborted(signal, async () => {
      await platform.check();
      const swept = await platform.sweepAbandoned?.({ adopt: true });
      if (swept) progress(`removed what ${swept} earlier interrupted run(s) left behind`);
      await writePki(join(outDir, 'pki'), setup);
      timeline.add<RunRecord>({ ...runRecord, event: 'start' });
      const { specs, issued } = deployment.start(new Date());
      context.recordIssued(issued);
      progress(`starting ${specs.length} ${deployment.workload.name} nodes on ${platform.name}: ${deployment.nodes.join(', ')}`);
      await platform.startNodes(specs);
      observer.start();
      await recordVersions(deployment, platform, timeline);
      await scenario.run(context);
    });
  } catch (error) {
    if (error instanceof RunInterrupted) outcome = 'interrupted';
    else {
      outcome = 'failed';
      failure = error as Error;
    }
  } finally {
    await observer.stop();
    timeline.add<RunRecord>({ ...runRecord, event: 'end' });
    await platform.cleanup();
  }

  if (failure && !timeline.records.some((r) => r.kind === 'membership' || r.kind === 'health')) {
    // Nothing ran: there is nothing to report, only the error to give.
    return { outcome, expectations: [], findingsPath, timelinePath, error: failure };
  }
  const query = new TimelineQuery(timeline.records);
  const expectations = scenario.expectations.map((e) => ({ id: e.id, title: e.title, basis: e.basis, result: safeCheck(() => e.check(query)) }));
  const markdown = renderFindings({
    scenario,
    runId,
    platform: platform.name,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    outcome,
    error: failure?.message ?? (outcome === 'interrupted' ? 'interrupted (Ctrl-C)' : undefined),
    nodes: deployment.nodes,
    certificates: deployment.certificates(),
    clocks: deployment.clocks(),
    timeline: timeline.records,
    expectations,
    files: ['timeline.jsonl', ...deployment.nodes.map((n) => `logs/${n}.log`)],
  });
  await writeFile(findingsPath, markdown);
  await writeFile(join(outDir, RESULTS_FILE), `${JSON.stringify(runResults(scenario.name, platform.name, runId, startedAt, outcome, timeline.records, expectations), null, 2)}\n`);
  return { outcome, expectations, findingsPath, timelinePath, error: failure };
}

/** What the run ran on, as the first node that can say reports it. */
async function recordVersions(deployment: ReturnType<typeof deploy>, platform: Platform & PlatformExtras, timeline: Timeline): Promise<void> {
  // What the platform itself runs (kind: the kind CLI, Kubernetes, the node image), then the workload's.
  const platformVersions = (await platform.versions?.().catch(() => ({}))) ?? {};
  for (const node of deployment.nodes) {
    try {
      const versions = await deployment.workload.versions({ endpoint: (port) => platform.endpoint(node, port), exec: (command) => platform.exec(node, command) });
      if (Object.keys(versions).length > 0) {
        timeline.add({ kind: 'versions', versions: { ...versions, ...platformVersions } });
        return;
      }
    } catch {
      // A node that refused to start (pre-flight) cannot say; ask the next.
    }
  }
  if (Object.keys(platformVersions).length > 0) timeline.add({ kind: 'versions', versions: platformVersions });
}

/** A run's verdicts, machine-readable: what the nightly matrix merges across cells. */
export interface RunResults {
  scenario: string;
  platform: string;
  runId: string;
  startedAt: string;
  outcome: RunResult['outcome'];
  endedAt?: string;
  versions: Record<string, string>;
  expectations: { id: string; title: string; verdict: Verdict; observed: string }[];
  /** The observation windows: how long each lasted and why it ended (stable, or its maximum). */
  windows?: { title: string; seconds: number; ended: string }[];
}

export const RESULTS_FILE = 'results.json';

function runResults(
  scenario: string,
  platform: string,
  runId: string,
  startedAt: Date,
  outcome: RunResult['outcome'],
  records: readonly TimelineRecord[],
  expectations: ExpectationOutcome[],
): RunResults {
  const versions = records.find((r) => r.kind === 'versions');
  const windows = records
    .filter((r): r is StepRecord => r.kind === 'step' && r.id.startsWith('observe-'))
    .map((s) => ({ title: s.title, seconds: Number(((Date.parse(s.t) - Date.parse(s.startedAt)) / 1000).toFixed(1)), ended: s.detail?.replace(/^lasted [\d.]+ s: /, '') ?? '' }));
  return {
    scenario,
    platform,
    runId,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    outcome,
    windows,
    versions: versions?.kind === 'versions' ? versions.versions : {},
    expectations: expectations.map((e) => ({ id: e.id, title: e.title, verdict: e.result.verdict, observed: e.result.observed })),
  };
}

async function untilAborted(signal: AbortSignal, work: () => Promise<void>): Promise<void> {
  if (signal.aborted) throw new RunInterrupted();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new RunInterrupted());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work().catch((error) => Promise.reject(signal.aborted ? new RunInterrupted() : error)), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function safeCheck(check: () => ExpectationOutcome['result']): ExpectationOutcome['result'] {
  try {
    return check();
  } catch (error) {
    // A check that threw has judged nothing.
    return unknown(`the check itself failed: ${(error as Error).message}`);
  }
}

/** The run's certificates and keys (0600) in its own folder, never in a report. */
async function writePki(dir: string, setup: ClusterSetup): Promise<void> {
  const all: Forged[] =
    setup.workload === 'erlang'
      ? setup.nodes.flatMap((n) => [n.cert, ...(Array.isArray(n.trusts) ? n.trusts : [n.trusts])])
      : setup.clusters.flatMap((c) => [c.peersCa, c.clientsCa, c.client, ...c.members.flatMap((m) => [rename(m.peerCert, `${m.name}-peer`), rename(m.serverCert, `${m.name}-server`)])]);
  const written = new Set<string>();
  for (const forged of all) {
    if (written.has(forged.name)) continue;
    written.add(forged.name);
    await writeForged(dir, forged);
  }
}

function rename(forged: Forged, name: string): Forged {
  return { ...forged, name };
}

function makeRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(4, 14);
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
