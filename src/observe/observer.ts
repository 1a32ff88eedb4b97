import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../platform/types.js';
import type { Workload } from '../workload/types.js';
import type { AlertRecord, HealthRecord, LogRecord, MembershipRecord, MetricsRecord } from './records.js';
import type { Timeline } from './timeline.js';

export interface ObserverOptions {
  intervalMs?: number;
  /** Where each node's raw log is kept, one file per node across restarts. */
  logDir?: string;
}

type Sampled = MembershipRecord | HealthRecord | MetricsRecord;

/**
 * Samples every node's probe on an interval and turns TLS alerts and other
 * notable lines in the nodes' logs into timeline records. It records; it
 * never interprets.
 */
export class Observer {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private readonly latestSample = new Map<string, Sampled>();
  private readonly intervalMs: number;

  constructor(
    private readonly platform: Platform,
    private readonly workload: Workload,
    private readonly timeline: Timeline,
    private readonly nodes: readonly string[],
    private readonly options: ObserverOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 500;
    if (options.logDir) mkdirSync(options.logDir, { recursive: true });
    platform.onLog((node, line) => this.onLogLine(node, line));
  }

  /** Samples each node on its own loop, so a node whose probe is slow (no quorum) does not hold back the others. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const node of this.nodes) {
      const tick = () => {
        const round = this.sample(node).finally(() => {
          this.inFlight.delete(round);
          if (this.running) this.timers.set(node, setTimeout(tick, this.intervalMs));
        });
        this.inFlight.add(round);
      };
      tick();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** The node's most recent sample of a kind (and, for health, of a view). */
  latest<K extends Sampled['kind']>(node: string, kind: K, view?: HealthRecord['view']): Extract<Sampled, { kind: K }> | undefined {
    return this.latestSample.get(key(node, kind, view)) as Extract<Sampled, { kind: K }> | undefined;
  }

  private async sample(node: string): Promise<void> {
    const access = {
      endpoint: (port: number) => this.platform.endpoint(node, port),
      exec: (command: string[]) => this.platform.exec(node, command),
    };
    for (const probe of await this.workload.sample(node, access)) {
      const record = this.timeline.add<Sampled>(probe);
      this.latestSample.set(key(node, record.kind, record.kind === 'health' ? record.view : undefined), record);
    }
  }

  private onLogLine(node: string, line: string): void {
    if (this.options.logDir) appendFileSync(join(this.options.logDir, `${node}.log`), `${line}\n`);
    const finding = this.workload.classifyLogLine(line);
    if (finding) this.timeline.add<AlertRecord | LogRecord>({ ...finding, node });
  }
}

function key(node: string, kind: string, view?: string): string {
  return `${node}\0${kind}\0${view ?? ''}`;
}
