import { MissingStepError, TimelineQuery, type StepHandle } from '../observe/query.js';
import type { StepRecord, TimelineRecord } from '../observe/records.js';
import type { AnyScenario, BaseContext } from '../scenario/types.js';
import type { AnyWorkload, Deployment, OperationHost } from '../workload/workload.js';
import { defaultStepId, StepIds } from './context.js';

/** What a scenario's run, played without a cluster, made: its steps' ids in order, and what it returned (its steps' handles). */
export interface DryRun {
  steps: string[];
  handles: unknown;
}

/**
 * A scenario's run played without a cluster: each step it records, in order,
 * with the id the real context (context.ts) gives it: waits met at once,
 * windows of no length, operations whose commands print nothing. Undefined
 * when the run cannot be played so (it throws): then nothing is judged here.
 */
export async function dryRun(scenario: AnyScenario, fixtures: unknown, deployment: Deployment<object>): Promise<DryRun | undefined> {
  const steps: string[] = [];
  const ids = new StepIds();
  const made = (id: string): StepHandle => {
    const unique = ids.take(id);
    steps.push(unique);
    return { id: unique };
  };
  let observations = 0;
  const host: OperationHost = {
    applyRestart: async () => {},
    clockOf: () => new Date(),
    exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
    step: (step) => made(step.id),
    applyIssuer: async () => ({ status: 'True' }),
  };
  const anything: unknown = new Proxy(() => true, { get: () => anything, apply: () => true });
  const base: BaseContext<object, unknown> = {
    nodes: deployment.nodes,
    view: () => anything,
    waitFor: async (id) => ({ ...made(id), held: true }),
    jumpClocks: async (_nodes, _clock, options) => made(options?.id ?? defaultStepId.jumpClocks),
    restart: async (node, options) => made((options as { id?: string } | undefined)?.id ?? defaultStepId.restart(node)),
    observe: async () => made(defaultStepId.observe(++observations)),
    observeUntil: async (at, id) => {
      if (at.getTime() > Date.now()) made(defaultStepId.observe(++observations));
      return made(id);
    },
    readLibcClock: async () => {},
  };
  try {
    const operations = (scenario.workload as AnyWorkload).operations(host, deployment) as object;
    const handles: unknown = await scenario.run({ ...operations, ...base } as never, fixtures as never);
    return { steps, handles };
  } catch {
    return undefined;
  }
}

/**
 * The first expectation that names a step the scenario never makes, in one
 * line that says what to do; undefined when every step it names is made (or
 * the run could not be played without a cluster). Checked before anything
 * starts: a mistyped step id would otherwise show as UNKNOWN after the run.
 */
export function stepReferenceProblem(scenario: AnyScenario, fixtures: unknown, { steps, handles }: DryRun): string | undefined {
  const start = Date.now();
  const records: TimelineRecord[] = steps.map((id, i): StepRecord => {
    const t = new Date(start + i * 1000).toISOString();
    return { t, kind: 'step', id, title: id, startedAt: t, outcome: 'done' };
  });
  const q = new TimelineQuery(records);
  for (const expectation of scenario.expectations) {
    try {
      expectation.check(q, fixtures as never, handles);
    } catch (error) {
      if (error instanceof MissingStepError && !steps.includes(error.stepId)) {
        return `expectation "${expectation.id}" reads step "${error.stepId}", which the scenario's run never makes (its steps: ${[...new Set(steps)].join(', ')}): name one of those`;
      }
    }
  }
  return undefined;
}
