/* eslint-disable @typescript-eslint/no-explicit-any -- the generic plumbing between workloads and scenarios: each `any` below says why */
import type { ClockSpec } from '../clock/spec.js';
import type { StepHandle, TimelineQuery } from '../observe/query.js';
import type { TimelineRecord } from '../observe/records.js';
import type { AnyWorkload, OperationsOf, RestartOf, SetupOf, ViewOf } from '../workload/workload.js';
import type { PlatformName } from '../platform/index.js';

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

/** What a scenario's setup made: the cluster its workload starts, and anything else `run`, the checks and the answer need. */
export interface Fixtures<W extends AnyWorkload> {
  cluster: SetupOf<W>;
}

export interface Expectation<F = unknown, S = unknown> {
  id: string;
  /** What should be true, e.g. "the connected nodes stay connected after the jump". */
  title: string;
  /** Why: the incident report or the TLS rule that predicts it. */
  basis: string;
  /**
   * The sentence of the scenario's answer that rests on this expectation:
   * `pass` when it passed, `fail` when it failed, and that it could not judge
   * otherwise; each followed by what it observed. The answer is these, in
   * the order of the expectations.
   */
  answer?: { pass: string; fail: string };
  /**
   * `steps`: what the scenario's run returned (the handles of the steps its
   * checks point at). Where the run ended early, the same handles from the
   * run played without a cluster, so a check about a step never reached is
   * UNKNOWN, not an error.
   */
  check(timeline: TimelineQuery, fixtures: F, steps: S): ExpectationResult;
}

/**
 * One sentence of a scenario's answer, tied to the expectation that checked
 * it: the answer says `pass` only when that expectation passed, `fail` when
 * it failed, and that it could not judge otherwise. Each is followed by what
 * the expectation observed.
 */
export interface AnswerClause {
  expectation: string;
  pass: string;
  fail: string;
}

export interface ObservationWindow {
  minMs: number;
  maxMs: number;
  /** Answered samples of every node, after the last change of any node's state, that end the window. */
  stableSamples: number;
}

/** A wait's step, and whether its condition held. */
export interface WaitHandle extends StepHandle {
  readonly held: boolean;
}

/**
 * What every scenario's script can do, whatever its workload; it never
 * touches Docker or kubectl itself. Each step returns its handle: return the
 * ones the expectations read from `run`, and they get them.
 */
export interface BaseContext<Restart, View> {
  readonly nodes: readonly string[];
  /** What the cluster looks like now, from the latest probe samples, as the workload shows it. */
  view(): View;
  /**
   * Waits until the condition holds or the timeout passes; records a step
   * either way. Its handle says whether it held. `required`: what the rest of the run
   * stands on (a cluster that formed): unmet, the run stops there, and every
   * expectation about a later step is UNKNOWN, never judged on a cluster
   * that never came up.
   */
  waitFor(id: string, title: string, condition: (view: View) => boolean, options: { timeoutMs: number; required?: boolean }): Promise<WaitHandle>;
  /**
   * Moves the clocks of running nodes (no restart). The step records the
   * offset asked for and, read back from each node, the offset it then showed.
   */
  jumpClocks(nodes: readonly string[], clock: ClockSpec, options?: { id?: string }): Promise<StepHandle>;
  /**
   * Replaces a node with a fresh one (a pod recreated): same certificates and
   * clock unless told otherwise (what the workload lets a restart change), or
   * unless the workload's certificate manager re-issues them.
   */
  restart(node: string, options?: Restart & { clock?: ClockSpec; id?: string }): Promise<StepHandle>;
  /**
   * Keeps sampling for a while: a fixed time in ms, or a window that ends
   * early once every node's state has held for `stableSamples` answered
   * samples after the last change (never before `minMs`, always by `maxMs`).
   * Either way a step records how long it lasted and why it ended.
   */
  observe(duration: number | ObservationWindow, why: string): Promise<StepHandle>;
  /** Keeps sampling until an instant (a certificate's notAfter, say), then marks it as a step. */
  observeUntil(at: Date, id: string, title: string): Promise<StepHandle>;
  /**
   * Reads a node's clock as a libc program sees it (`date`), under the same
   * libfaketime as the node's own process; recorded as a `log` record.
   */
  readLibcClock(node: string): Promise<void>;
}

/** The context a scenario of workload W gets: what every scenario can do, and W's own operations. */
export type ScenarioContext<W extends AnyWorkload> = BaseContext<RestartOf<W>, ViewOf<W>> & OperationsOf<W>;

export interface Scenario<W extends AnyWorkload = AnyWorkload, F extends Fixtures<W> = Fixtures<W>, S = unknown> {
  name: string;
  /** One line for the scenario tables (the README's): what it rehearses. Without it, the description's first sentence. */
  summary?: string;
  description: string;
  /** What it runs; its context and set-up are that workload's. */
  workload: W;
  /** The operator's question this scenario answers with evidence. */
  question?: string;
  /** `reference` is the run's start; windows and clocks may be set relative to it. */
  setup(reference: Date): F | Promise<F>;
  /** The script. It returns the handles of the steps its expectations read (`{ jump, restart }`), which they get as `steps`. */
  run(context: ScenarioContext<W>, fixtures: F): Promise<S>;
  expectations: Expectation<F, S>[];
  /**
   * The answer to `question` as clauses naming their expectations, where its
   * sentences need an order of their own (a rehearsal's opens with the first
   * break); otherwise each expectation holds its own `answer`.
   */
  answer?: AnswerClause[];
  /**
   * The workload's matrix axes it follows (etcd: `etcd-manager`): it reads the
   * axis's value as it loads, and `npm run matrix` runs it once per value.
   */
  axes?: readonly string[];
  /**
   * The platforms it can run on, where not every one (cert-manager needs a
   * Kubernetes API server: `['kind']`). Elsewhere a run of it exits 2 in one
   * line, and a suite leaves it out and says so.
   */
  platforms?: readonly PlatformName[];
  /**
   * The cores its cluster keeps busy while it runs, where more than a light
   * scenario's (`LIGHT_SCENARIO_CORES`): three kops masters, each etcd-manager,
   * etcd and kube-apiserver, keep about two busy. A suite run side by side
   * starts it only while the cluster's cores cover it beside the running ones.
   */
  cores?: number;
}

/** A scenario of any workload, as the registry and the runner hold it. */
// Fixtures are the scenario's own business: `any` lets one list hold scenarios whose fixtures differ.
// Steps likewise: each scenario returns its own handles from its run.
export type AnyScenario = Scenario<AnyWorkload, any, any>;

export function defineScenario<W extends AnyWorkload, F extends Fixtures<W>, S>(scenario: Scenario<W, F, S>): Scenario<W, F, S> {
  return scenario;
}
