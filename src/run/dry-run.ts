import { MissingStepError, TimelineQuery } from '../observe/query.js';
import type { StepRecord, TimelineRecord } from '../observe/records.js';
import type { AnyScenario, BaseContext } from '../scenario/types.js';
import type { AnyWorkload, Deployment, OperationHost } from '../workload/workload.js';
import { defaultStepId } from './context.js';

/**
 * A scenario's run played without a cluster: each step it records, in order,
 * with the id the real context (context.ts) gives it: waits met at once,
 * windows of no length, operations whose commands print nothing. Undefined
 * when the run cannot be played so (it throws): then nothing is judged here.
 */
export async function dryRunSteps(scenario: AnyScenario, fixtures: unknown, deployment: Deployment<object>): Promise<string[] | undefined> {
  const steps: string[] = [];
  let observations = 0;
  const host: OperationHost = {
    applyRestart: async () => {},
    clockOf: () => new Date(),
    exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
    step: (step) => void steps.push(step.id),
    applyIssuer: async () => ({ status: 'True' }),
  };
  const anything: unknown = new Proxy(() => true, { get: () => anything, apply: () => true });
  const base: BaseContext<object, unknown> = {
    nodes: deployment.nodes,
    view: () => anything,
    waitFor: async (id) => (steps.push(id), true),
    jumpClocks: async (_nodes, _clock, options) => void steps.push(options?.id ?? defaultStepId.jumpClocks),
    restart: async (node, options) => void steps.push((options as { id?: string } | undefined)?.id ?? defaultStepId.restart(node)),
    observe: async () => void steps.push(defaultStepId.observe(++observations)),
    observeUntil: async (at, id) => {
      if (at.getTime() > Date.now()) steps.push(defaultStepId.observe(++observations));
      steps.push(id);
    },
    readLibcClock: async () => {},
  };
  try {
    const operations = (scenario.workload as AnyWorkload).operations(host, deployment) as object;
    await scenario.run({ ...operations, ...base } as never, fixtures as never);
    return steps;
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
export async function stepReferenceProblem(scenario: AnyScenario, fixtures: unknown, deployment: Deployment<object>): Promise<string | undefined> {
  const steps = await dryRunSteps(scenario, fixtures, deployment);
  if (!steps) return undefined;
  const start = Date.now();
  const records: TimelineRecord[] = steps.map((id, i): StepRecord => {
    const t = new Date(start + i * 1000).toISOString();
    return { t, kind: 'step', id, title: id, startedAt: t, outcome: 'done' };
  });
  const q = new TimelineQuery(records);
  for (const expectation of scenario.expectations) {
    try {
      expectation.check(q, fixtures as never);
    } catch (error) {
      if (error instanceof MissingStepError && !steps.includes(error.stepId)) {
        return `expectation "${expectation.id}" reads step "${error.stepId}", which the scenario's run never makes (its steps: ${[...new Set(steps)].join(', ')}): name one of those`;
      }
    }
  }
  return undefined;
}
