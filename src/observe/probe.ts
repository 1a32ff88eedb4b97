import type { Endpoint, ExecResult } from '../platform/types.js';
import type { MetricsRecord, ProbeRecord, StateRecord } from './records.js';

/** What a probe may use of a node, through the platform. */
export interface NodeAccess {
  endpoint(port: number): Promise<Endpoint>;
  exec(command: string[]): Promise<ExecResult>;
}

/** One way of looking at a node, sampled on its own loop. */
export interface Probe {
  name: string;
  /** Probes one node; a node that does not answer yields a record saying so, never a throw. */
  sample(node: string, access: NodeAccess): Promise<ProbeRecord[]>;
  /**
   * How many samples of one node may run at once (default 1). A cheap probe
   * whose answer can take its whole deadline may overlap, so that a node that
   * never answers is still sampled about every interval.
   */
  maxInFlight?: number;
  /**
   * Sampled beside the others but not counted by the clock that observation
   * windows end early by: a probe whose answer may take its client's own long
   * deadline, or one that records only what changed.
   */
  background?: boolean;
  /**
   * Called when a scenario step ends: a probe that records only what changed
   * records everything it sees again on its next sample (what a node holds
   * after a step is evidence too, changed or not).
   */
  afterStep?(): void;
}

export type SampledRecord = StateRecord | MetricsRecord;

/** The most recent sample of each node in each view (and of its metrics), as the run goes. */
export interface LatestSamples {
  /** The node's latest state in the view. */
  state(node: string, view: string): StateRecord | undefined;
  metrics(node: string): MetricsRecord | undefined;
  /** Every latest sample of the node: one per view, and its metrics. */
  latestOf(node: string): SampledRecord[];
}
