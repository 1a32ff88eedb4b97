import { describeOffset, parseClockSpec, type ClockSpec } from '../clock/spec.js';
import type { Observer } from '../observe/observer.js';
import { isFullMesh } from '../observe/query.js';
import type { ClockRecord, MembershipRecord, StepRecord } from '../observe/records.js';
import type { Timeline } from '../observe/timeline.js';
import type { Platform } from '../platform/types.js';
import type { ClusterView, ScenarioContext } from './types.js';

const POLL_MS = 250;

/** The ScenarioContext a runner hands a scenario: each action goes through the platform and lands on the timeline. */
export class RunContext implements ScenarioContext {
  constructor(
    readonly nodes: readonly string[],
    private readonly platform: Platform,
    private readonly observer: Observer,
    private readonly timeline: Timeline,
    private readonly signal: AbortSignal,
    private readonly progress: (line: string) => void = () => {},
  ) {}

  view(): ClusterView {
    const nodes = this.nodes;
    const sample = (node: string) => this.observer.latest(node);
    return {
      nodes,
      sample,
      fullMesh: () => isFullMesh(new Map(nodes.map((n) => [n, sample(n)]))),
      isAlone: (node) => {
        const own = sample(node);
        return own?.up === true && own.sees.length === 0 && nodes.every((n) => n === node || !sample(n)?.sees.includes(node));
      },
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
    nodes.forEach((node, i) => this.timeline.add<ClockRecord>({ kind: 'clock', node, spec: clock, offsetSeconds: offsets[i]! }));
    const shown = new Set(offsets.map(describeOffset));
    this.step({
      id: options.id ?? 'jump-clocks',
      title: `jump the clock of ${list(nodes)} to ${[...shown].join(', ')} from real time, nodes running`,
      startedAt,
      nodes: [...nodes],
      outcome: 'done',
    });
  }

  async restart(node: string, options: { id?: string; clock?: ClockSpec } = {}): Promise<void> {
    const startedAt = now();
    await this.platform.restartNode(node, options.clock === undefined ? {} : { clock: options.clock });
    const changes = options.clock === undefined ? 'same certificates and clock' : `same certificates, clock ${options.clock}`;
    this.step({ id: options.id ?? `restart-${node}`, title: `restart ${node}: a fresh node, ${changes}`, startedAt, nodes: [node], outcome: 'done' });
  }

  async observe(ms: number, why: string): Promise<void> {
    this.progress(`observing for ${ms / 1000} s: ${why}`);
    await sleep(ms, this.signal);
  }

  private step(step: Omit<StepRecord, 't' | 'kind'>): void {
    this.timeline.add<StepRecord>({ kind: 'step', ...step });
    this.progress(`step ${step.id}: ${step.title}${step.outcome === 'timeout' ? ` (TIMED OUT: ${step.detail})` : ''}`);
  }
}

export function latestSamples(view: ClusterView): Map<string, MembershipRecord | undefined> {
  return new Map(view.nodes.map((n) => [n, view.sample(n)]));
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
