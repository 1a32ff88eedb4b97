import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../platform/types.js';
import type { Workload } from '../workload/types.js';
import type { AlertRecord, MembershipRecord } from './records.js';
import type { Timeline } from './timeline.js';

export interface ObserverOptions {
  intervalMs?: number;
  probeTimeoutMs?: number;
  /** Where each node's raw log is kept, one file per node across restarts. */
  logDir?: string;
}

/**
 * Samples every node's probe on an interval and turns TLS alerts in the
 * nodes' logs into timeline records. It records; it never interprets.
 */
export class Observer {
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private running = false;
  private readonly latestSample = new Map<string, MembershipRecord>();
  private readonly intervalMs: number;
  private readonly probeTimeoutMs: number;

  constructor(
    private readonly platform: Platform,
    private readonly workload: Workload,
    private readonly timeline: Timeline,
    private readonly nodes: readonly string[],
    private readonly options: ObserverOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 500;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 1500;
    if (options.logDir) mkdirSync(options.logDir, { recursive: true });
    platform.onLog((node, line) => this.onLogLine(node, line));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = () => {
      this.round = this.sampleAll().finally(() => {
        if (this.running) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.round;
  }

  /** The node's most recent membership sample. */
  latest(node: string): MembershipRecord | undefined {
    return this.latestSample.get(node);
  }

  /** Samples every node once now, outside the interval (used right after a step). */
  async sampleAll(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.sample(node)));
  }

  private async sample(node: string): Promise<void> {
    let record: MembershipRecord;
    try {
      const endpoint = await this.platform.endpoint(node, this.workload.probePort);
      const sample = await this.workload.probe(endpoint, this.probeTimeoutMs);
      record = this.timeline.add<MembershipRecord>({ kind: 'membership', node, ...sample });
    } catch (error) {
      record = this.timeline.add<MembershipRecord>({ kind: 'membership', node, up: false, sees: [], error: shortError(error) });
    }
    this.latestSample.set(node, record);
  }

  private onLogLine(node: string, line: string): void {
    if (this.options.logDir) appendFileSync(join(this.options.logDir, `${node}.log`), `${line}\n`);
    const alert = this.workload.classifyLogLine(line);
    if (alert) this.timeline.add<AlertRecord>({ kind: 'alert', node, ...alert });
  }
}

function shortError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string } };
  const cause = err.cause?.code ? ` (${err.cause.code})` : '';
  return `${err.name === 'TimeoutError' ? 'probe timed out' : err.message}${cause}`.split('\n')[0]!;
}
