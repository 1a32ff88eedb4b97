import { describeOffset, parseClockSpec, type ClockSpec } from '../clock/spec.js';
import type { Observer } from '../observe/observer.js';
import { isFullMesh } from '../observe/query.js';
import type { CertificateRecord, ClockRecord, HealthRecord, LogRecord, StepRecord } from '../observe/records.js';
import type { Timeline } from '../observe/timeline.js';
import type { Platform } from '../platform/types.js';
import type { Deployment, IssuedCertificate, RestartPlan } from './deployment.js';
import type { ClusterView, ObservationWindow, RestartChanges, ScenarioContext } from './types.js';

const POLL_MS = 250;
const MAINTAIN_EVERY_MS = 1000;

/** The ScenarioContext a runner hands a scenario: each action goes through the platform and lands on the timeline. */
export class RunContext implements ScenarioContext {
  readonly nodes: readonly string[];
  private observations = 0;

  constructor(
    private readonly deployment: Deployment,
    private readonly platform: Platform,
    private readonly observer: Observer,
    private readonly timeline: Timeline,
    private readonly signal: AbortSignal,
    private readonly progress: (line: string) => void = () => {},
  ) {
    this.nodes = deployment.nodes;
  }

  view(): ClusterView {
    const nodes = this.nodes;
    const sample = (node: string) => this.observer.latest(node, 'membership');
    const health = (node: string, view: HealthRecord['view'] = 'apiserver') => this.observer.latest(node, 'health', view);
    return {
      nodes,
      sample,
      health,
      fullMesh: () => isFullMesh(new Map(nodes.map((n) => [n, sample(n)]))),
      isAlone: (node) => {
        const own = sample(node);
        return own?.up === true && own.sees.length === 0 && nodes.every((n) => n === node || !sample(n)?.sees.includes(node));
      },
      allHealthy: (some = nodes, view = 'apiserver') => some.every((n) => health(n, view)?.healthy === true),
    };
  }

  async waitFor(id: string, title: string, condition: (view: ClusterView) => boolean, options: { timeoutMs: number }): Promise<boolean> {
    const startedAt = now();
    const deadline = Date.now() + options.timeoutMs;
    while (!condition(this.view())) {
      if (Date.now() >= deadline) {
        this.step({ id, title, startedAt, outcome: 'timeout', detail: `not met within ${options.timeoutMs / 1000} s` });
        return false;
      }
      await sleep(POLL_MS, this.signal);
    }
    this.step({ id, title, startedAt, outcome: 'met' });
    return true;
  }

  async jumpClocks(nodes: readonly string[], clock: ClockSpec, options: { id?: string } = {}): Promise<void> {
    parseClockSpec(clock);
    const startedAt = now();
    const offsets = await Promise.all(nodes.map((node) => this.platform.setClock(node, clock)));
    nodes.forEach((node, i) => this.timeline.add({ kind: 'clock', node, spec: clock, offsetSeconds: offsets[i]! } satisfies Omit<ClockRecord, 't'>));
    const shown = new Set(offsets.map(describeOffset));
    this.step({
      id: options.id ?? 'jump-clocks',
      title: `jump the clock of ${list(nodes)} to ${[...shown].join(', ')} from real time, nodes running`,
      startedAt,
      nodes: [...nodes],
      outcome: 'done',
    });
  }

  async restart(node: string, options: RestartChanges & { id?: string } = {}): Promise<void> {
    const startedAt = now();
    const plan = this.deployment.onRestart(node, new Date(), options);
    await this.applyRestart(node, plan, options.clock);
    const certs = plan.summary ?? (plan.files ? 'certificates re-issued by its manager' : 'same certificates');
    const clock = options.clock === undefined ? 'same clock' : `clock ${options.clock}`;
    this.step({ id: options.id ?? `restart-${node}`, title: `restart ${node}: a fresh node, ${certs}, ${clock}`, startedAt, nodes: [node], outcome: 'done' });
  }

  async restartManager(nodes: readonly string[], options: { id?: string } = {}): Promise<void> {
    const onManagerRestart = this.deployment.onManagerRestart;
    if (!onManagerRestart) throw new Error('restartManager: this workload has no certificate manager (etcd has)');
    const startedAt = now();
    await Promise.all(nodes.map((node) => this.applyRestart(node, onManagerRestart(node, new Date()))));
    this.step({
      id: options.id ?? 'restart-manager',
      title: `restart etcd-manager on ${list(nodes)}: certificates regenerated in the pki folders, members restarted`,
      startedAt,
      nodes: [...nodes],
      outcome: 'done',
    });
  }

  async observe(duration: number | ObservationWindow, why: string): Promise<void> {
    const window = typeof duration === 'number' ? { minMs: duration, maxMs: duration, stableSamples: Infinity } : duration;
    const early = Number.isFinite(window.stableSamples);
    this.progress(early ? `observing ${window.minMs / 1000}-${window.maxMs / 1000} s (until stable for ${window.stableSamples} samples): ${why}` : `observing for ${window.maxMs / 1000} s: ${why}`);
    const startedAt = now();
    const begin = Date.now();
    const stability = new StabilityTracker(this.nodes, () => this.stateOfEachNode(), (node) => this.observer.samplesOf(node));
    let ended = `the ${window.maxMs / 1000} s ${early ? 'maximum' : 'window'} passed`;
    let lastMaintained = Date.now();
    while (Date.now() - begin < window.maxMs) {
      await sleep(Math.min(POLL_MS, window.maxMs - (Date.now() - begin)), this.signal);
      stability.update();
      if (Date.now() - lastMaintained >= MAINTAIN_EVERY_MS) {
        lastMaintained = Date.now();
        for (const { node, plan } of this.deployment.maintain?.(new Date()) ?? []) {
          this.progress(`${node}: its manager renews certificates before they expire`);
          await this.applyRestart(node, plan);
        }
      }
      if (early && Date.now() - begin >= window.minMs && stability.heldFor() >= window.stableSamples) {
        ended = `every node's state held for ${window.stableSamples} samples${stability.lastChange ? ` after the last change (${stability.lastChange.slice(11, 23)})` : ''}`;
        break;
      }
    }
    const lasted = ((Date.now() - begin) / 1000).toFixed(1);
    this.step({ id: `observe-${++this.observations}`, title: `observe: ${why}`, startedAt, outcome: 'done', detail: `lasted ${lasted} s: ${ended}` });
  }

  async observeUntil(at: Date, id: string, title: string): Promise<void> {
    const wait = at.getTime() - Date.now();
    if (wait > 0) await this.observe(wait, `until ${at.toISOString()}: ${title}`);
    // A mark, not an action: it begins and ends at the instant it marks.
    this.step({ id, title, startedAt: now(), outcome: 'done' });
  }

  async readLibcClock(node: string): Promise<void> {
    const result = await this.platform.exec(node, ['date', '-u', '+%Y-%m-%dT%H:%M:%SZ']);
    const reading = result.stdout.trim();
    this.timeline.add({
      kind: 'log',
      node,
      topic: 'libc-clock',
      text: `date -u, run in ${node} under its libfaketime, printed ${reading}`,
      ...(Number.isNaN(Date.parse(reading)) ? {} : { nodeTime: new Date(reading).toISOString() }),
    } satisfies Omit<LogRecord, 't'>);
  }

  private async applyRestart(node: string, plan: RestartPlan, clock?: ClockSpec): Promise<void> {
    this.recordIssued(plan.issued);
    await this.platform.restartNode(node, {
      ...(plan.files ? { files: plan.files } : {}),
      ...(plan.env ? { env: plan.env } : {}),
      ...(plan.preflight === undefined ? {} : { preflight: plan.preflight }),
      ...(clock === undefined ? {} : { clock }),
    });
  }

  recordIssued(issued: IssuedCertificate[]): void {
    for (const cert of issued) this.timeline.add({ kind: 'certificate', ...cert } satisfies Omit<CertificateRecord, 't'>);
  }

  /**
   * Each node's state as its latest samples show it: whom it sees, or whether
   * it is Healthy in each view and whom etcdctl names leader. Not Healthy is
   * one state whatever the reason (an error, a refusal, no answer): a broken
   * member alternating between them has not changed.
   */
  private stateOfEachNode(): Map<string, string> {
    const state = new Map<string, string>();
    for (const node of this.nodes) {
      const m = this.observer.latest(node, 'membership');
      const api = this.observer.latest(node, 'health', 'apiserver');
      const ctl = this.observer.latest(node, 'health', 'etcdctl');
      state.set(node, JSON.stringify([m?.up === true, [...(m?.sees ?? [])].sort(), api?.healthy === true, ctl?.healthy === true, ctl?.leader]));
    }
    return state;
  }

  private step(step: Omit<StepRecord, 't' | 'kind'>): void {
    this.timeline.add({ kind: 'step', ...step });
    this.progress(`step ${step.id}: ${step.title}${step.outcome === 'timeout' ? ` (TIMED OUT: ${step.detail})` : ''}`);
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

function list(nodes: readonly string[]): string {
  return nodes.length === 1 ? nodes[0]! : `${nodes.slice(0, -1).join(', ')} and ${nodes[nodes.length - 1]}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
