import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClockSpecError, parseClockSpec } from '../clock/spec.js';
import { Observer } from '../observe/observer.js';
import { MissingStepError, TimelineQuery } from '../observe/query.js';
import type { CertificateRequestRecord, RunRecord, TimelineRecord } from '../observe/records.js';
import { Timeline } from '../observe/timeline.js';
import { prepareKeys } from '../pki/certificate.js';
import { ScenarioSetupError } from './setup-error.js';
import { writeForged } from '../pki/files.js';
import { ValidityError } from '../pki/validity.js';
import { createPlatform, type ClusterOptions, type PlatformExtras, type PlatformName } from '../platform/index.js';
import type { Platform } from '../platform/types.js';
import { renderFindings, type ExpectationOutcome } from '../report/findings.js';
import { RESULTS_FILE, runResults, type RunOutcome } from '../report/results.js';
import { scenarioFile } from '../scenario/registry.js';
import type { AnyScenario } from '../scenario/types.js';
import { unknown } from '../scenario/verdict.js';
import { endingChildrenOnAbort } from '../util/child-process.js';
import { EnvironmentError, PlatformLostError } from '../util/errors.js';
import type { AnyWorkload, AttributeDescriptions, Deployment } from '../workload/workload.js';
import { createContext, RequiredWaitUnmet } from './context.js';
import { clockShimLogLine } from '../clock/shim.js';
import { withTimeout } from '../util/deadline.js';
import { firstLine } from '../util/text.js';
import { dryRun, stepReferenceProblem } from './dry-run.js';

export interface RunOptions {
  scenario: AnyScenario;
  platform: PlatformName;
  /** Where findings.md, timeline.jsonl, logs/ and the run's pki/ go. */
  outDir: string;
  /** Aborting it stops the run early; everything made is still removed. */
  signal?: AbortSignal;
  progress?: (line: string) => void;
  /** Sees each timeline record as it is made (live progress). */
  /** Each record as the timeline takes it, with how the workload's attributes read (for progress). */
  onRecord?: (record: TimelineRecord, attributes?: AttributeDescriptions) => void;
  /** kind: keep the cluster after the run. */
  keepCluster?: boolean;
  /** kind: leave the cluster for the next run of a suite, which releases it after the last. */
  shareCluster?: boolean;
  /** kubernetes: the cluster and what of it the run uses. */
  cluster?: ClusterOptions;
}

export interface RunResult {
  outcome: RunOutcome;
  expectations: ExpectationOutcome[];
  findingsPath: string;
  timelinePath: string;
  error?: Error;
  /** Set when the run was interrupted during the scenario's set-up: nothing was started, and there are no findings. */
  interruptedIn?: 'set-up';
}

export class RunInterrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

export { ScenarioSetupError } from './setup-error.js';

/** How long clean-up and the last probes may take before the run gives up on them (and says so). */
const OBSERVER_STOP_TIMEOUT_MS = 15_000;
const CLEANUP_TIMEOUT_MS = 120_000;
/** How long an interrupted set-up gets to end its children and remove their temporary files. */
const SETUP_SETTLE_MS = 5_000;
/** Preparing the platform for longer than this (a cold image build, a new kind cluster) forges the certificates again. */
const REFORGE_AFTER_MS = 5_000;

/** Runs one scenario on one platform and writes its findings; always removes what it made. */
export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { scenario, outDir } = options;
  const progress = options.progress ?? (() => {});
  const signal = options.signal ?? new AbortController().signal;
  const runId = makeRunId();
  const startedAt = new Date();
  const timelinePath = join(outDir, 'timeline.jsonl');
  const findingsPath = join(outDir, 'findings.md');

  if (scenario.platforms && !scenario.platforms.includes(options.platform))
    throw new EnvironmentError(
      `scenario ${scenario.name} runs on ${scenario.platforms.join(' or ')} only, not on ${options.platform}: run it with --platform ${scenario.platforms[0]}`,
    );
  // The scenario's own set-up first: a mistake in it is the user's to fix, said before any Docker work.
  let prepared: Awaited<ReturnType<typeof setUp>>;
  try {
    prepared = await setUp(scenario, startedAt, signal);
  } catch (error) {
    if (error instanceof RunInterrupted) return { outcome: 'interrupted', expectations: [], findingsPath, timelinePath, interruptedIn: 'set-up' };
    throw error;
  }
  let { fixtures, deployment } = prepared;
  const workload: AnyWorkload = scenario.workload;
  // Its checks against the steps its run makes, played without a cluster: a step id no step has is the user's to fix now.
  const played = await dryRun(scenario, fixtures, deployment);
  const stepProblem = played && stepReferenceProblem(scenario, fixtures, played);
  if (stepProblem) throw new ScenarioSetupError(`${scenarioFile(scenario) ?? `scenario ${scenario.name}`}: ${stepProblem}`);

  await mkdir(outDir, { recursive: true });
  const timeline = new Timeline(timelinePath);
  const { onRecord } = options;
  if (onRecord) timeline.onRecord((record) => onRecord(record, scenario.workload.attributes));
  // The run stops early on Ctrl-C (`signal`) or when the platform goes away; the reason says which.
  const stop = new AbortController();
  const interrupt = () => stop.abort(new RunInterrupted());
  if (signal.aborted) interrupt();
  signal.addEventListener('abort', interrupt, { once: true });
  const platform = await createPlatform(options.platform, {
    ...options.cluster,
    runId,
    progress,
    workDir: join(outDir, 'platform'),
    keepCluster: options.keepCluster,
    shareCluster: options.shareCluster,
    signal: stop.signal,
    onLost: (error) => {
      progress(error.message);
      stop.abort(error);
    },
  });
  // Nodes that request their certificates from an issuer in the cluster need a platform with one: said before anything is made.
  if (deployment.issuers?.().length && !platform.issuing)
    throw new EnvironmentError(
      `scenario ${scenario.name} has its certificates issued by cert-manager, which needs a Kubernetes API server: run it with --platform kind or kubernetes`,
    );
  platform.issuing?.onRequest((request) => timeline.add<CertificateRequestRecord>({ kind: 'certificateRequest', ...request }));
  let observer: Observer | undefined;
  const runRecord = { kind: 'run', scenario: scenario.name, platform: platform.name, runId } as const;

  let handles: unknown = played?.handles;
  let outcome: RunResult['outcome'] = 'completed';
  let failure: Error | undefined;
  try {
    await untilAborted(stop.signal, async () => {
      await platform.check();
      const swept = await platform.sweepAbandoned?.({ adopt: true });
      if (swept) progress(`removed what ${swept} earlier interrupted run(s) left behind`);
      // Images built, a kind cluster created: the slow part, before the certificates' clock starts.
      const preparing = Date.now();
      await platform.readyFor?.([workload.image], { issuing: Boolean(deployment.issuers?.().length) });
      if (Date.now() - preparing > REFORGE_AFTER_MS) {
        // Windows set relative to the start (certificates living 30 s, say) would have passed: forge again from now.
        progress(`preparing took ${((Date.now() - preparing) / 1000).toFixed(0)} s: forging the certificates again from now`);
        ({ fixtures, deployment } = await setUp(scenario, new Date(), stop.signal));
      }
      observer = new Observer(
        platform,
        { probes: deployment.probes, classifyLogLine: (line) => clockShimLogLine(line) ?? workload.classifyLogLine(line) },
        timeline,
        deployment.nodes,
        { logDir: join(outDir, 'logs') },
      );
      const context = createContext({ workload, deployment, platform, observer, timeline, signal: stop.signal, progress });
      await writePki(join(outDir, 'pki'), deployment);
      timeline.add<RunRecord>({ ...runRecord, event: 'start' });
      for (const issuer of deployment.issuers?.() ?? []) await platform.issuing!.applyIssuer(issuer);
      const { specs, issued } = deployment.start(new Date());
      context.run.recordIssued(issued);
      progress(`starting ${specs.length} ${workload.name} nodes on ${platform.name}: ${deployment.nodes.join(', ')}`);
      await platform.startNodes(specs);
      observer.start();
      await recordVersions(workload, deployment, platform, timeline);
      // Its steps' handles: the ones it returned, where it ran to its end; else the dry run's (the same ids).
      handles = await scenario.run(context.forScenario, fixtures);
    });
  } catch (error) {
    if (error instanceof RunInterrupted) outcome = 'interrupted';
    else if (error instanceof RequiredWaitUnmet) progress(error.message);
    else {
      outcome = 'failed';
      failure = error as Error;
    }
  } finally {
    signal.removeEventListener('abort', interrupt);
    if (observer)
      await withTimeout(observer.stop(), OBSERVER_STOP_TIMEOUT_MS, `no end within ${OBSERVER_STOP_TIMEOUT_MS / 1000} s`).catch(() =>
        progress('the last probes did not end; leaving them'),
      );
    timeline.add<RunRecord>({ ...runRecord, event: 'end' });
    const leftBehind = await withTimeout(platform.cleanup(), CLEANUP_TIMEOUT_MS, `no end within ${CLEANUP_TIMEOUT_MS / 1000} s`).then(
      () => undefined,
      (error: Error) => error,
    );
    observer?.closeLogs();
    if (leftBehind) {
      progress(leftBehind.message);
      // A run that otherwise went well still fails when it leaves things behind; one that already failed keeps its reason.
      failure ??= leftBehind;
      if (outcome === 'completed') outcome = 'failed';
    }
  }

  if (failure && !timeline.records.some((r) => r.kind === 'state')) {
    // Nothing ran: there is nothing to report, only the error to give.
    return { outcome, expectations: [], findingsPath, timelinePath, error: failure };
  }
  const query = new TimelineQuery(timeline.records);
  const expectations = scenario.expectations.map((e) => ({
    id: e.id,
    title: e.title,
    basis: e.basis,
    result: safeCheck(() => e.check(query, fixtures, handles)),
  }));
  const endedAt = new Date();
  const markdown = renderFindings({
    scenario,
    runId,
    platform: platform.name,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    outcome,
    error: failure?.message ?? (outcome === 'interrupted' ? 'interrupted (Ctrl-C)' : undefined),
    nodes: [...deployment.nodes],
    certificates: deployment.certificates(),
    clocks: deployment.clocks(),
    timeline: timeline.records,
    expectations,
    files: ['timeline.jsonl', ...deployment.nodes.map((n) => `logs/${n}.log`)],
    attributes: scenario.workload.attributes,
  });
  await writeFile(findingsPath, markdown);
  const results = runResults(
    { scenario: scenario.name, platform: platform.name, runId, startedAt, endedAt, outcome },
    timeline.records,
    expectations,
  );
  await writeFile(join(outDir, RESULTS_FILE), `${JSON.stringify(results, null, 2)}\n`);
  // The one line a lost engine gets also says where what was seen before it went is.
  if (failure instanceof PlatformLostError) failure = new PlatformLostError(`${failure.message} (findings up to then: ${findingsPath})`);
  return { outcome, expectations, findingsPath, timelinePath, error: failure };
}

/** What the run ran on, as the first node that can say reports it. */
async function recordVersions(
  workload: AnyWorkload,
  deployment: Deployment<object>,
  platform: Platform & PlatformExtras,
  timeline: Timeline,
): Promise<void> {
  // What the platform itself runs (kind: the kind CLI, Kubernetes, the node image), then the workload's.
  const platformVersions = (await platform.versions?.().catch(() => ({}))) ?? {};
  for (const node of deployment.nodes) {
    try {
      const versions = await workload.versions({
        endpoint: (port) => platform.endpoint(node, port),
        exec: (command) => platform.exec(node, command),
      });
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

/** The scenario's setup and deployment, its clocks checked; interrupted by `signal` (children it started, such as openssl, ended). */
async function setUp(
  scenario: AnyScenario,
  startedAt: Date,
  signal: AbortSignal,
): Promise<{ fixtures: { cluster: unknown }; deployment: Deployment<object> }> {
  const work = endingChildrenOnAbort(signal, async () => {
    // Most scenarios forge four to twelve keys: make the first ones in parallel.
    await prepareKeys(4);
    const fixtures = await scenario.setup(startedAt);
    const deployment = (scenario.workload as AnyWorkload).deploy(fixtures.cluster) as Deployment<object>;
    for (const { spec } of deployment.clocks()) parseClockSpec(spec);
    return { fixtures, deployment };
  });
  try {
    return await untilAborted(signal, () => work);
  } catch (error) {
    if (error instanceof RunInterrupted) {
      // Let openssl, ended by now, and the temporary folder it wrote to go before the process exits.
      await withTimeout(work, SETUP_SETTLE_MS, `no end within ${SETUP_SETTLE_MS / 1000} s`).catch(() => {});
      throw error;
    }
    const where = scenarioFile(scenario) ?? `scenario ${scenario.name}`;
    const reason = firstLine(error);
    if (error instanceof ClockSpecError || error instanceof ValidityError) throw new ScenarioSetupError(`${where}: ${reason}`);
    throw new ScenarioSetupError(`${where}: its setup failed: ${reason}: fix the scenario (the error is in its setup, before anything started)`);
  }
}

/** Resolves with what `work` gives, or rejects with the abort's reason (RunInterrupted unless it says otherwise) once `signal` aborts. */
async function untilAborted<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  // A plain abort() (Ctrl-C) carries an AbortError: that is an interruption; a reason of certdrill's own says what ended the run.
  const reason = () => (signal.reason instanceof Error && signal.reason.name !== 'AbortError' ? signal.reason : new RunInterrupted());
  if (signal.aborted) throw reason();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work().catch((error) => Promise.reject(signal.aborted ? reason() : error)), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function safeCheck(check: () => ExpectationOutcome['result']): ExpectationOutcome['result'] {
  try {
    return check();
  } catch (error) {
    // A check that threw has judged nothing; one about a step the run never reached could not be.
    if (error instanceof MissingStepError) return unknown(`cannot be judged: ${error.message}`);
    return unknown(`the check itself failed: ${(error as Error).message}`);
  }
}

/** The run's certificates and keys (0600) in its own folder, never in a report. */
async function writePki(dir: string, deployment: Deployment<object>): Promise<void> {
  const written = new Set<string>();
  for (const forged of deployment.forged()) {
    if (written.has(forged.name)) continue;
    written.add(forged.name);
    await writeForged(dir, forged);
  }
}

function makeRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(4, 14);
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
