import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseClockSpec } from '../clock/spec.js';
import { Observer } from '../observe/observer.js';
import { TimelineQuery } from '../observe/query.js';
import type { RunRecord, TimelineRecord } from '../observe/records.js';
import { Timeline } from '../observe/timeline.js';
import type { Forged } from '../pki/certificate.js';
import { writeForged } from '../pki/files.js';
import { createPlatform, type PlatformName } from '../platform/index.js';
import { renderFindings, type CertificateSummary, type ExpectationOutcome } from '../report/findings.js';
import { erlangWorkload } from '../workload/erlang/erlang-workload.js';
import { RunContext } from './context.js';
import type { ClusterSetup, Scenario } from './types.js';

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
  await mkdir(outDir, { recursive: true });
  const timelinePath = join(outDir, 'timeline.jsonl');
  const findingsPath = join(outDir, 'findings.md');
  const timeline = new Timeline(timelinePath);
  if (options.onRecord) timeline.onRecord(options.onRecord);
  const platform = createPlatform(options.platform, { runId, progress });
  const setup = scenario.setup(startedAt);
  for (const node of setup.nodes) parseClockSpec(node.clock);
  const nodes = setup.nodes.map((n) => n.name);
  const observer = new Observer(platform, erlangWorkload, timeline, nodes, { logDir: join(outDir, 'logs') });
  const runRecord = { kind: 'run', scenario: scenario.name, platform: platform.name, runId } as const;

  let outcome: RunResult['outcome'] = 'completed';
  let failure: Error | undefined;
  try {
    await untilAborted(signal, async () => {
      await platform.check();
      const swept = await platform.sweepAbandoned?.();
      if (swept) progress(`removed what ${swept} earlier interrupted run(s) left behind`);
      await writePki(join(outDir, 'pki'), setup);
      timeline.add<RunRecord>({ ...runRecord, event: 'start' });
      progress(`starting ${nodes.length} ${erlangWorkload.name} nodes on ${platform.name}: ${nodes.join(', ')}`);
      const peers = nodes;
      await platform.startNodes(setup.nodes.map((n) => erlangWorkload.nodeSpec({ name: n.name, certPem: n.cert.certPem, keyPem: n.cert.keyPem, caPem: trusted(n.trusts), clock: n.clock }, peers)));
      observer.start();
      await scenario.run(new RunContext(nodes, platform, observer, timeline, signal, progress));
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

  if (failure && !timeline.records.some((r) => r.kind === 'membership')) {
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
    nodes,
    certificates: summariseCertificates(setup),
    clocks: setup.nodes.map((n) => ({ node: n.name, spec: n.clock })),
    timeline: timeline.records,
    expectations,
    files: ['timeline.jsonl', ...nodes.map((n) => `logs/${n}.log`)],
  });
  await writeFile(findingsPath, markdown);
  return { outcome, expectations, findingsPath, timelinePath, error: failure };
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
    return { pass: false, observed: `could not be checked: ${(error as Error).message}`, evidence: [] };
  }
}

function trusted(trusts: Forged | Forged[]): string {
  return (Array.isArray(trusts) ? trusts : [trusts]).map((ca) => ca.certPem).join('');
}

function allCertificates(setup: ClusterSetup): Map<string, { forged: Forged; holders: string[]; trustedBy: string[] }> {
  const all = new Map<string, { forged: Forged; holders: string[]; trustedBy: string[] }>();
  const entry = (forged: Forged) => {
    const key = forged.info.serial;
    if (!all.has(key)) all.set(key, { forged, holders: [], trustedBy: [] });
    return all.get(key)!;
  };
  for (const node of setup.nodes) {
    for (const ca of Array.isArray(node.trusts) ? node.trusts : [node.trusts]) entry(ca).trustedBy.push(node.name);
    entry(node.cert).holders.push(node.name);
  }
  return all;
}

function summariseCertificates(setup: ClusterSetup): CertificateSummary[] {
  return [...allCertificates(setup).values()].map(({ forged, holders, trustedBy }) => ({
    name: forged.name,
    role: [forged.info.isCa ? 'CA' : 'node certificate', holders.length ? `of ${holders.join(', ')}` : '', trustedBy.length ? `trusted by ${trustedBy.join(', ')}` : '']
      .filter(Boolean)
      .join(' '),
    madeBy: forged.madeBy,
    info: forged.info,
  }));
}

/** The run's certificates and keys (0600) in its own folder, never in a report. */
async function writePki(dir: string, setup: ClusterSetup): Promise<void> {
  for (const { forged } of allCertificates(setup).values()) await writeForged(dir, forged);
}

function makeRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(4, 14);
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
