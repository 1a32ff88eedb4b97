import type { AlertClass, AlertRecord, ClockRecord, LogRecord, StateRecord, StepRecord, TimelineRecord } from './records.js';

const ms = (t: string) => Date.parse(t);

/** A step a scenario's run made, as the step returned it: what its expectations point at, rather than a string that may be mistyped. */
export interface StepHandle {
  readonly id: string;
}

/** A step named by its handle or, for scenarios written before handles, by its id. */
export type StepRef = string | StepHandle;

export function stepIdOf(step: StepRef): string {
  return typeof step === 'string' ? step : step.id;
}

/** Read-only questions over a timeline, for expectations and the report. */
export class TimelineQuery {
  constructor(readonly records: readonly TimelineRecord[]) {}

  steps(): StepRecord[] {
    return this.records.filter((r): r is StepRecord => r.kind === 'step');
  }

  /** The step (by handle or id); throws if the scenario never recorded it. */
  step(ref: StepRef): StepRecord {
    const id = stepIdOf(ref);
    const found = this.findStep(id);
    if (found) return found;
    const stopped = this.steps().find((s) => s.outcome === 'timeout' && (s.detail ?? '').endsWith('the run stops here'));
    throw new MissingStepError(
      id,
      stopped ? `the run never reached step "${id}": it stopped at step ${stopped.id} (${stopped.detail})` : `the timeline has no step "${id}"`,
    );
  }

  findStep(ref: StepRef): StepRecord | undefined {
    const id = stepIdOf(ref);
    return this.steps().find((s) => s.id === id);
  }

  /** The step after this one, or undefined for the last. */
  nextStep(ref: StepRef): StepRecord | undefined {
    const id = stepIdOf(ref);
    const steps = this.steps();
    const index = steps.findIndex((s) => s.id === id);
    return index >= 0 ? steps[index + 1] : undefined;
  }

  /** What probes showed of nodes, in a view (or all), in the window: by when each sample was sent (see sampleInWindow). */
  states(filter: Window & { node?: string; view?: string; ok?: boolean } = {}): StateRecord[] {
    return this.records.filter(
      (r): r is StateRecord =>
        r.kind === 'state' &&
        sampleInWindow(r, filter) &&
        (filter.node === undefined || r.node === filter.node) &&
        (filter.view === undefined || r.view === filter.view) &&
        (filter.ok === undefined || r.ok === filter.ok),
    );
  }

  logs(filter: Window & { node?: string; topic?: string } = {}): LogRecord[] {
    return this.records.filter(
      (r): r is LogRecord =>
        r.kind === 'log' &&
        inWindow(r.t, filter) &&
        (filter.node === undefined || r.node === filter.node) &&
        (filter.topic === undefined || r.topic === filter.topic),
    );
  }

  /** Clock changes of running nodes: the offset asked for, and the one the node then showed. */
  clocks(filter: Window & { node?: string } = {}): ClockRecord[] {
    return this.recordsIn('clock', filter).filter((r) => filter.node === undefined || r.node === filter.node);
  }

  /** How the report names a view: the label its samples carry, or its name. */
  viewLabel(view: string): string {
    return this.records.find((r): r is StateRecord => r.kind === 'state' && r.view === view && r.viewLabel !== undefined)?.viewLabel ?? view;
  }

  /** The views the timeline has, in the order they first appear. */
  views(): string[] {
    return [...new Set(this.states().map((r) => r.view))];
  }

  /** Records of a kind in the window, by real time (`t`); probes' samples by when they were sent (see sampleInWindow). */
  recordsIn<K extends TimelineRecord['kind']>(kind: K, window: Window): Extract<TimelineRecord, { kind: K }>[] {
    const sampled = kind === 'state' || kind === 'metrics';
    return this.records.filter(
      (r): r is Extract<TimelineRecord, { kind: K }> => r.kind === kind && (sampled ? sampleInWindow(r, window) : inWindow(r.t, window)),
    );
  }

  /** The node's own time stamp on its last log line (alert or event) at or before `t`. */
  nodeClockAt(t: string, node: string): string | undefined {
    let found: string | undefined;
    for (const r of this.records) {
      if (Date.parse(r.t) > Date.parse(t)) break;
      if ((r.kind === 'alert' || r.kind === 'log') && r.node === node && r.nodeTime) found = r.nodeTime;
    }
    return found;
  }

  alerts(filter: Window & { node?: string; class?: AlertClass } = {}): AlertRecord[] {
    return this.records.filter(
      (r): r is AlertRecord =>
        r.kind === 'alert' &&
        inWindow(r.t, filter) &&
        (filter.node === undefined || r.node === filter.node) &&
        (filter.class === undefined || r.class === filter.class),
    );
  }
}

export interface Window {
  /** Strictly after this real time. */
  after?: string;
  /** At or before this real time. */
  before?: string;
}

/**
 * A probe's sample is in a window when it was sent after the window opened
 * and answered before it closed: one sent before a step ended may show the
 * state before it, though its answer came after.
 */
export function sampleInWindow(sample: { t: string; sentAt?: string }, window: Window): boolean {
  if (window.after !== undefined && !(ms(sample.sentAt ?? sample.t) > ms(window.after))) return false;
  return inWindow(sample.t, { before: window.before });
}

function inWindow(t: string, window: Window): boolean {
  if (window.after !== undefined && !(ms(t) > ms(window.after))) return false;
  if (window.before !== undefined && !(ms(t) <= ms(window.before))) return false;
  return true;
}

/** True when every node in `nodes` is ok and has all the others among its peers. */
export function isFullMesh(samples: Map<string, StateRecord | undefined>): boolean {
  const nodes = [...samples.keys()];
  return nodes.every((node) => {
    const sample = samples.get(node);
    return sample?.ok === true && nodes.every((other) => other === node || (sample.peers ?? []).includes(other));
  });
}

/** An expectation asked about a step the timeline does not have (a run that stopped early, or a mistyped id). */
export class MissingStepError extends Error {
  constructor(
    readonly stepId: string,
    message: string,
  ) {
    super(message);
  }
}
