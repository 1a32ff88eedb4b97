import type { ClockSpec } from '../clock/spec.js';
import type { TimelineQuery } from '../observe/query.js';
import type { HealthRecord, MembershipRecord, TimelineRecord } from '../observe/records.js';
import type { Forged } from '../pki/certificate.js';
import type { ErlangSetup } from '../workload/erlang/setup.js';
import type { EtcdSetup } from '../workload/etcd/setup.js';

export type { ErlangNode, ErlangSetup } from '../workload/erlang/setup.js';

/** What a restarted node gets that differs from before (a pod recreated with a new spec or new Secrets). */
export interface RestartChanges {
  clock?: ClockSpec;
  /** Erlang: a new node certificate. */
  cert?: Forged;
  /** Erlang: a new trusted CA or bundle. */
  trusts?: Forged | Forged[];
  /** Erlang: turn the pre-flight check on (margin in seconds) or off (false). */
  preflight?: number | false;
}

/** What a scenario starts: an Erlang cluster, or kops-style etcd clusters. */
export type ClusterSetup = ErlangSetup | EtcdSetup;

/**
 * `unknown`: the timeline cannot tell (too few samples, probes that got no
 * answer where an answer was needed, a check that threw). Never a pass.
 */
export type Verdict = 'pass' | 'fail' | 'unknown';

export interface ExpectationResult {
  verdict: Verdict;
  /** One sentence: what the timeline shows. */
  observed: string;
  /** The timeline records that show it, and notes. */
  evidence: (TimelineRecord | string)[];
}

export interface Expectation {
  id: string;
  /** What should be true, e.g. "the connected nodes stay connected after the jump". */
  title: string;
  /** Why: the incident report or the TLS rule that predicts it. */
  basis: string;
  check(timeline: TimelineQuery): ExpectationResult;
}

/** What the cluster looks like right now, from the latest probe samples. */
export interface ClusterView {
  readonly nodes: readonly string[];
  sample(node: string): MembershipRecord | undefined;
  fullMesh(): boolean;
  isAlone(node: string): boolean;
  /** etcd: the latest health sample of a member, by default the API server's view. */
  health(node: string, view?: HealthRecord['view']): HealthRecord | undefined;
  /** etcd: every node (or those named) healthy in that view. */
  allHealthy(nodes?: readonly string[], view?: HealthRecord['view']): boolean;
}

export interface ObservationWindow {
  minMs: number;
  maxMs: number;
  /** Answered samples of every node, after the last change of any node's state, that end the window. */
  stableSamples: number;
}

/** What a scenario's script can do; it never touches Docker or kubectl itself. */
export interface ScenarioContext {
  readonly nodes: readonly string[];
  view(): ClusterView;
  /** Waits until the condition holds or the timeout passes; records a step either way. Returns whether it held. */
  waitFor(id: string, title: string, condition: (view: ClusterView) => boolean, options: { timeoutMs: number }): Promise<boolean>;
  /** Moves the clocks of running nodes (no restart). */
  jumpClocks(nodes: readonly string[], clock: ClockSpec, options?: { id?: string }): Promise<void>;
  /**
   * Replaces a node with a fresh one (a pod recreated): same certificates and
   * clock unless told otherwise, or unless a renewing etcd-manager re-issues them.
   */
  restart(node: string, options?: RestartChanges & { id?: string }): Promise<void>;
  /** etcd: restarts etcd-manager on these members: it regenerates their certificates, then restarts etcd. */
  restartManager(nodes: readonly string[], options?: { id?: string }): Promise<void>;
  /**
   * Keeps sampling for a while: a fixed time in ms, or a window that ends
   * early once every node's state has held for `stableSamples` answered
   * samples after the last change (never before `minMs`, always by `maxMs`).
   * Either way a step records how long it lasted and why it ended.
   */
  observe(duration: number | ObservationWindow, why: string): Promise<void>;
  /** Keeps sampling until an instant (a certificate's notAfter, say), then marks it as a step. */
  observeUntil(at: Date, id: string, title: string): Promise<void>;
  /**
   * Reads a node's clock as a libc program sees it (`date`), under the same
   * libfaketime as the node's own process; recorded as a `log` record.
   */
  readLibcClock(node: string): Promise<void>;
}

export interface Scenario {
  name: string;
  description: string;
  /** The operator's question this scenario answers with evidence. */
  question?: string;
  /** `reference` is the run's start; windows and clocks may be set relative to it. */
  setup(reference: Date): ClusterSetup | Promise<ClusterSetup>;
  run(context: ScenarioContext): Promise<void>;
  expectations: Expectation[];
  /**
   * The one-line answer to `question` that a run gives, from its
   * expectations' results by id: what was observed, not what was hoped.
   */
  answer?(results: Record<string, ExpectationResult>): string;
}

export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
