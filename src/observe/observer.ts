import type { Platform } from '../platform/types.js';
import type { LatestSamples, Probe, SampledRecord } from './probe.js';
import { RawLogs } from './raw-logs.js';
import type { AlertRecord, LogFinding, LogRecord, MetricsRecord, StateRecord } from './records.js';
import type { Timeline } from './timeline.js';

/** What the observer samples and reads: the probes of the nodes' workload, and its reading of a log line. */
export interface Observed {
  probes: readonly Probe[];
  /** A TLS failure or another notable event in one log line, or null. */
  classifyLogLine(line: string): LogFinding | null;
}

export interface ObserverOptions {
  intervalMs?: number;
  /** Where each node's raw log is kept, one file per node across restarts (see RawLogs). */
  logDir?: string;
}

type Sampled = SampledRecord;

/**
 * Samples every node's probe on an interval and turns TLS alerts and other
 * notable lines in the nodes' logs into timeline records. It records; it
 * never interprets.
 */
export class Observer implements LatestSamples {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  /** Set by stop(): from then on nodes are being torn down. */
  private stopped = false;
  private readonly latestSample = new Map<string, Sampled>();
  private readonly latestStart = new Map<string, number>();
  private readonly samplesByLoop = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly rawLogs?: RawLogs;
  private readonly lastLine = new Map<string, string>();

  constructor(
    private readonly platform: Platform,
    private readonly workload: Observed,
    private readonly timeline: Timeline,
    private readonly nodes: readonly string[],
    private readonly options: ObserverOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 500;
    this.rawLogs = options.logDir ? new RawLogs(options.logDir) : undefined;
    platform.onLog((node, line) => this.onLogLine(node, line));
  }

  /**
   * Samples each node with each probe on its own loop, so a node whose probe
   * is slow (no quorum) holds back neither the other nodes nor its other
   * probes. A probe that allows it starts a new sample every interval while
   * earlier ones still wait for an answer.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const node of this.nodes) {
      for (const probe of this.workload.probes) {
        const loop = `${node}\0${probe.name}`;
        const maxInFlight = probe.maxInFlight ?? 1;
        let running = 0;
        const tick = () => {
          if (!this.running) return;
          if (running < maxInFlight) {
            running += 1;
            const round = this.sample(node, probe).finally(() => {
              running -= 1;
              this.inFlight.delete(round);
              if (maxInFlight === 1 && this.running) this.timers.set(loop, setTimeout(tick, this.intervalMs));
            });
            this.inFlight.add(round);
          }
          // One at a time: the next begins an interval after this one ends. Overlapping: one begins every interval.
          if (maxInFlight > 1) this.timers.set(loop, setTimeout(tick, this.intervalMs));
        };
        tick();
      }
    }
  }

  /** Stops sampling; a probe still waiting for its deadline after a second is left to end unrecorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
  }

  /** Completes the raw logs: once the nodes are gone, and nothing more can come. */
  closeLogs(): void {
    this.rawLogs?.close();
  }

  /**
   * How many samples of the node every one of its probes has given, the
   * slowest probe deciding: a clock for "stable for N samples" that does not
   * run while one view of the node has yet to report.
   */
  samplesOf(node: string): number {
    const pacing = this.workload.probes.filter((probe) => !probe.background);
    return Math.min(...pacing.map((probe) => this.samplesByLoop.get(`${node}\0${probe.name}`) ?? 0));
  }

  /** The node's most recent state in the view. */
  state(node: string, view: string): StateRecord | undefined {
    return this.latestSample.get(key(node, 'state', view)) as StateRecord | undefined;
  }

  /** The node's most recent metrics. */
  metrics(node: string): MetricsRecord | undefined {
    return this.latestSample.get(key(node, 'metrics')) as MetricsRecord | undefined;
  }

  latestOf(node: string): Sampled[] {
    return [...this.latestSample.entries()].filter(([k]) => k.startsWith(`${node}\0`)).map(([, sample]) => sample);
  }

  /** A scenario step ended: probes that record changes say again what they see. */
  stepEnded(): void {
    for (const probe of this.workload.probes) probe.afterStep?.();
  }

  private async sample(node: string, probe: Probe): Promise<void> {
    const loop = `${node}\0${probe.name}`;
    const access = {
      endpoint: (port: number) => this.platform.endpoint(node, port),
      exec: (command: string[]) => this.platform.exec(node, command),
    };
    const startedAt = performance.now();
    const sentAt = new Date().toISOString();
    for (const record of await probe.sample(node, access)) {
      if (!this.running) return;
      // A certificate a node was seen to hold or serve: an event, not a sample of its state.
      if (record.kind === 'certificate') {
        this.timeline.add({ ...record, sentAt });
        continue;
      }
      const stamped = this.timeline.add<Sampled>({ ...record, sentAt });
      // Overlapping samples end out of order: the latest is the one that began last, not the last to end.
      const k = key(node, stamped.kind, stamped.kind === 'state' ? stamped.view : undefined);
      if ((this.latestStart.get(k) ?? -1) > startedAt) continue;
      this.latestStart.set(k, startedAt);
      this.latestSample.set(k, stamped);
    }
    if (this.running) this.samplesByLoop.set(loop, (this.samplesByLoop.get(loop) ?? 0) + 1);
  }

  private onLogLine(node: string, line: string): void {
    this.rawLogs?.write(node, line);
    // What nodes log while they are torn down is not part of the run (a node whose clock supervisor is killed
    // before it may print garbage times then): the raw log keeps it, the timeline does not.
    if (this.stopped) return;
    const finding = this.workload.classifyLogLine(line);
    const before = this.lastLine.get(node);
    if (line.trim()) this.lastLine.set(node, line.trim());
    if (!finding) return;
    const lastWords = finding.kind === 'log' && finding.topic === 'exit' && before ? { lastWords: before } : {};
    this.timeline.add<AlertRecord | LogRecord>({ ...finding, ...lastWords, node });
  }
}

function key(node: string, kind: string, view?: string): string {
  return `${node}\0${kind}\0${view ?? ''}`;
}
