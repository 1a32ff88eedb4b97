import { setTimeout as sleep } from 'node:timers/promises';
import { describeOffset, parseClockSpec, type ClockSpec } from '../clock/spec.js';
import type { Observer } from '../observe/observer.js';
import type { LatestSamples, NodeAccess, SampledRecord } from '../observe/probe.js';
import type { CertificateRecord, ClockRecord, LogRecord, StepRecord } from '../observe/records.js';
import type { Timeline } from '../observe/timeline.js';
import type { Platform } from '../platform/types.js';
import type { BaseContext, ObservationWindow, WaitHandle } from '../scenario/types.js';
import type { StepHandle } from '../observe/query.js';
import { listOf, type AnyWorkload, type Deployment, type IssuedCertificate, type OperationHost, type RestartPlan } from '../workload/workload.js';
import { CLOCK_BY_ENV } from '../clock/shim.js';
import { ensureSpareKeys } from '../pki/certificate.js';

const POLL_MS = 250;

/** The ids of the steps a scenario does not name: the dry run (dry-run.ts) gives the same ones. */
export const defaultStepId = {
  jumpClocks: 'jump-clocks',
  restart: (node: string) => `restart-${node}`,
  observe: (n: number) => `observe-${n}`,
} as const;

export interface ContextParts {
  workload: AnyWorkload;
  deployment: Deployment<object>;
  platform: Platform;
  observer: Observer;
  timeline: Timeline;
  signal: AbortSignal;
  progress?: (line: string) => void;
}

/** The context a runner hands a scenario: what every workload allows, and its workload's own operations. */
export function createContext(parts: ContextParts): { run: RunContext; forScenario: BaseContext<object, unknown> } {
  const run = new RunContext(parts);
  const operations = parts.workload.operations(run.host, parts.deployment) as object;
  // The scenario's context: the run's methods, bound, and the workload's operations beside them.
  const base: BaseContext<object, unknown> = {
    nodes: run.nodes,
    view: () => run.view(),
    waitFor: (id, title, condition, options) => run.waitFor(id, title, condition, options),
    jumpClocks: (nodes, clock, options) => run.jumpClocks(nodes, clock, options),
    restart: (node, options) => run.restart(node, options),
    observe: (duration, why) => run.observe(duration, why),
    observeUntil: (at, id, title) => run.observeUntil(at, id, title),
    readLibcClock: (node) => run.readLibcClock(node),
  };
  return { run, forScenario: { ...operations, ...base } };
}

/**
 * Step ids as a run gives them: the id asked for, or, where an earlier step
 * has it, that id with -2, -3, ...: each handle names one step. The dry run
 * (dry-run.ts) gives them the same way.
 */
export class StepIds {
  private readonly used = new Set<string>();

  take(id: string): string {
    let unique = id;
    for (let n = 2; this.used.has(unique); n++) unique = `${id}-${n}`;
    this.used.add(unique);
    return unique;
  }
}

/** Each action of a scenario goes through the platform and lands on the timeline. */
export class RunContext {
  readonly nodes: readonly string[];
  private observations = 0;
  private readonly ids = new StepIds();
  private readonly workload: AnyWorkload;
  private readonly deployment: Deployment<object>;
  private readonly platform: Platform;
  private readonly observer: Observer;
  private readonly timeline: Timeline;
  private readonly signal: AbortSignal;
  private readonly progress: (line: string) => void;

  constructor(parts: ContextParts) {
    ({
      workload: this.workload,
      deployment: this.deployment,
      platform: this.platform,
      observer: this.observer,
      timeline: this.timeline,
      signal: this.signal,
    } = parts);
    this.progress = parts.progress ?? (() => {});
    this.nodes = parts.deployment.nodes;
  }

  /** What a workload's own operations may do. */
  readonly host: OperationHost = {
    applyRestart: (node, plan) => this.applyRestart(node, plan),
    clockOf: (node) => new Date(Date.now() + this.platform.clockOffset(node) * 1000),
    exec: (node, command) => this.platform.exec(node, command),
    step: (step) => this.step(step),
    applyIssuer: (issuer) => {
      if (!this.platform.issuing) throw new Error(`no issuer on ${this.platform.name}: cert-manager needs a Kubernetes API server`);
      return this.platform.issuing.applyIssuer(issuer);
    },
  };

  recordIssued(issued: IssuedCertificate[]): void {
    for (const cert of issued) this.timeline.add({ kind: 'certificate', ...cert } satisfies Omit<CertificateRecord, 't'>);
  }

  view(): unknown {
    return this.workload.view(this.observer, this.nodes);
  }

  /** The workload's view built only from samples sent at or after `since` (ms): what a wait that began then has seen. */
  private viewSince(since: number): unknown {
    const fresh = <S extends SampledRecord>(sample: S | undefined) => (sample && Date.parse(sample.sentAt ?? sample.t) >= since ? sample : undefined);
    const latest: LatestSamples = {
      state: (node, view) => fresh(this.observer.state(node, view)),
      metrics: (node) => fresh(this.observer.metrics(node)),
      latestOf: (node) => this.observer.latestOf(node).filter((s) => fresh(s) !== undefined),
    };
    return this.workload.view(latest, this.nodes);
  }

  async waitFor(
    id: string,
    title: string,
    condition: (view: unknown) => boolean,
    options: { timeoutMs: number; required?: boolean },
  ): Promise<WaitHandle> {
    const startedAt = now();
    const since = Date.parse(startedAt);
    const deadline = Date.now() + options.timeoutMs;
    // Only samples sent after the wait began: one sent before a restart may still say Healthy for the node as it was.
    while (!condition(this.viewSince(since))) {
      if (Date.now() >= deadline) {
        const detail = `not met within ${options.timeoutMs / 1000} s`;
        const step = this.step({ id, title, startedAt, outcome: 'timeout', detail: options.required ? `${detail}; the run stops here` : detail });
        if (options.required)
          throw new RequiredWaitUnmet(`step ${step.id} (${title}) was ${detail}: the run stopped there, and what comes after it cannot be judged`);
        return { ...step, held: false };
      }
      await sleep(POLL_MS, undefined, { signal: this.signal });
    }
    return { ...this.step({ id, title, startedAt, outcome: 'met' }), held: true };
  }

  async jumpClocks(nodes: readonly string[], clock: ClockSpec, options: { id?: string } = {}): Promise<StepHandle> {
    parseClockSpec(clock);
    const startedAt = now();
    const offsets = await Promise.all(nodes.map((node) => this.platform.setClock(node, clock)));
    // What each node then shows, read back: the measurement, where the offset asked for is the intent.
    const shown = await Promise.all(nodes.map((node) => this.readOffset(node)));
    nodes.forEach((node, i) =>
      this.timeline.add({
        kind: 'clock',
        node,
        spec: clock,
        offsetSeconds: offsets[i]!,
        ...(shown[i] ? { shownOffsetSeconds: shown[i]!.offsetSeconds, shownBy: shown[i]!.by } : {}),
      } satisfies Omit<ClockRecord, 't'>),
    );
    const asked = new Set(offsets.map(describeOffset));
    const read = nodes.map((node, i) => `${node} ${shown[i] ? describeOffset(Math.round(shown[i]!.offsetSeconds)) : 'unread'}`);
    return this.step({
      id: options.id ?? defaultStepId.jumpClocks,
      title: `jump the clock of ${listOf(nodes)} to ${[...asked].join(', ')} from real time, nodes running`,
      startedAt,
      nodes: [...nodes],
      outcome: 'done',
      detail: `read back: ${read.join(', ')}`,
    });
  }

  async restart(node: string, options: { clock?: ClockSpec; id?: string } = {}): Promise<StepHandle> {
    const startedAt = now();
    const { clock, id, ...changes } = options;
    // Said as it begins: a restart can take a while (a manager re-issuing, a slow start), and its step line only comes at the end.
    this.progress(`restarting ${node}`);
    // A manager that re-issues at restart forges then (peer and server certificate): their keys are made off the loop first.
    await ensureSpareKeys(2);
    const plan = this.deployment.onRestart(node, new Date(), changes);
    await this.applyRestart(node, plan, clock);
    const certs = plan.summary ?? (plan.files ? 'certificates re-issued by its manager' : 'same certificates');
    const clockText = clock === undefined ? 'same clock' : `clock ${clock}`;
    return this.step({
      id: id ?? defaultStepId.restart(node),
      title: `restart ${node}: a fresh node, ${certs}, ${clockText}`,
      startedAt,
      nodes: [node],
      outcome: 'done',
    });
  }

  async observe(duration: number | ObservationWindow, why: string): Promise<StepHandle> {
    const window = typeof duration === 'number' ? { minMs: duration, maxMs: duration, stableSamples: Infinity } : duration;
    const early = Number.isFinite(window.stableSamples);
    this.progress(
      early
        ? `observing ${window.minMs / 1000}-${window.maxMs / 1000} s (until stable for ${window.stableSamples} samples): ${why}`
        : `observing for ${window.maxMs / 1000} s: ${why}`,
    );
    const startedAt = now();
    const begin = Date.now();
    const stability = new StabilityTracker(
      this.nodes,
      () => this.stateOfEachNode(),
      (node) => this.observer.samplesOf(node),
    );
    let ended = `the ${window.maxMs / 1000} s ${early ? 'maximum' : 'window'} passed`;
    while (Date.now() - begin < window.maxMs) {
      await sleep(Math.min(POLL_MS, window.maxMs - (Date.now() - begin)), undefined, { signal: this.signal });
      stability.update();
      if (early && Date.now() - begin >= window.minMs && stability.heldFor() >= window.stableSamples) {
        ended = `every node's state held for ${window.stableSamples} samples${stability.lastChange ? ` after the last change (${stability.lastChange.slice(11, 23)})` : ''}`;
        break;
      }
    }
    const lasted = ((Date.now() - begin) / 1000).toFixed(1);
    return this.step({
      id: defaultStepId.observe(++this.observations),
      title: `observe: ${why}`,
      startedAt,
      outcome: 'done',
      detail: `lasted ${lasted} s: ${ended}`,
    });
  }

  async observeUntil(at: Date, id: string, title: string): Promise<StepHandle> {
    const wait = at.getTime() - Date.now();
    if (wait > 0) await this.observe(wait, `until ${at.toISOString()}: ${title}`);
    // A mark, not an action: it begins and ends at the instant it marks.
    return this.step({ id, title, startedAt: now(), outcome: 'done' });
  }

  async readLibcClock(node: string): Promise<void> {
    const result = await this.platform.exec(node, ['sh', '-c', `date -u +%Y-%m-%dT%H:%M:%SZ; echo "\${${CLOCK_BY_ENV}:-libfaketime}"`]);
    const [reading = '', mover] = result.stdout.trim().split('\n');
    const under = mover === 'certdrill-clock' ? 'certdrill-clock' : 'its libfaketime';
    this.timeline.add({
      kind: 'log',
      node,
      topic: 'libc-clock',
      text: `date -u, run in ${node} under ${under}, printed ${reading}`,
      ...(Number.isNaN(Date.parse(reading)) ? {} : { nodeTime: new Date(reading).toISOString() }),
    } satisfies Omit<LogRecord, 't'>);
  }

  /** The node's clock minus real time, as the workload reads the node's clock; undefined when it cannot. */
  private async readOffset(node: string): Promise<{ offsetSeconds: number; by: string } | undefined> {
    const access: NodeAccess = { endpoint: (port) => this.platform.endpoint(node, port), exec: (command) => this.platform.exec(node, command) };
    const before = Date.now();
    const reading = await this.workload.readClock(access).catch(() => undefined);
    if (!reading) return undefined;
    // The reading was taken some time between the two instants: compare it with the middle.
    const real = (before + Date.now()) / 2;
    return { offsetSeconds: Number(((reading.time.getTime() - real) / 1000).toFixed(1)), by: reading.by };
  }

  private async applyRestart(node: string, plan: RestartPlan, clock?: ClockSpec): Promise<void> {
    this.recordIssued(plan.issued);
    await this.platform.restartNode(node, {
      ...(plan.files ? { files: plan.files } : {}),
      ...(plan.requests ? { requests: plan.requests } : {}),
      ...(plan.env ? { env: plan.env } : {}),
      ...(plan.preflight === undefined ? {} : { preflight: plan.preflight }),
      ...(clock === undefined ? {} : { clock }),
    });
  }

  /**
   * Each node's state as its latest samples show it: in each view whether it
   * is ok, whom it sees, and the attributes its workload counts as state
   * (etcd: whom it names leader). Not ok is one state whatever the reason (an
   * error, a refusal, no answer): a broken node alternating between them has
   * not changed.
   */
  private stateOfEachNode(): Map<string, string> {
    const state = new Map<string, string>();
    const counted = Object.entries(this.workload.attributes ?? {})
      .filter(([, description]) => description.state)
      .map(([name]) => name);
    for (const node of this.nodes) {
      const parts = this.observer
        .latestOf(node)
        .flatMap((r) =>
          r.kind === 'state' ? [[r.view, r.ok, r.peers ? [...r.peers].sort() : null, ...counted.map((name) => r.attributes?.[name] ?? null)]] : [],
        )
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      state.set(node, JSON.stringify(parts));
    }
    return state;
  }

  private step(asked: Omit<StepRecord, 't' | 'kind'>): StepHandle {
    const step = { ...asked, id: this.ids.take(asked.id) };
    this.timeline.add({ kind: 'step', ...step });
    this.observer.stepEnded();
    this.progress(`step ${step.id}: ${step.title}${step.outcome === 'timeout' ? ` (TIMED OUT: ${step.detail})` : ''}`);
    return { id: step.id };
  }
}

/** Counts, for every node, the samples since any node's state last changed. */
export class StabilityTracker {
  private last = '';
  private countsAtChange = new Map<string, number>();
  lastChange: string | undefined;

  constructor(
    private readonly nodes: readonly string[],
    private readonly states: () => Map<string, string>,
    private readonly answered: (node: string) => number,
  ) {}

  update(): void {
    const states = this.states();
    const key = JSON.stringify([...states.entries()]);
    if (key !== this.last) {
      if (this.last !== '') this.lastChange = new Date().toISOString();
      this.last = key;
      this.countsAtChange = new Map(this.nodes.map((n) => [n, this.answered(n)]));
    }
  }

  /** The fewest samples any node has given since the last change. */
  heldFor(): number {
    return Math.min(...this.nodes.map((n) => this.answered(n) - (this.countsAtChange.get(n) ?? Infinity)));
  }
}

function now(): string {
  return new Date().toISOString();
}

/** A wait the rest of the run stands on timed out: the run ends there, cleanly, and is judged on what it recorded. */
export class RequiredWaitUnmet extends Error {}
