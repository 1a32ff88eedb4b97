import { describe, expect, it } from 'vitest';
import { dryRun, stepReferenceProblem } from '../../src/run/dry-run.js';
import { StepIds } from '../../src/run/context.js';
import { loadScenarios } from '../../src/scenario/registry.js';
import type { StepHandle, TimelineQuery } from '../../src/observe/query.js';
import type { AnyScenario } from '../../src/scenario/types.js';
import type { AnyWorkload, Deployment } from '../../src/workload/workload.js';

/** Scenarios checked before anything starts: their run played without a cluster, their checks against the steps it makes. */
async function prepared(scenario: AnyScenario) {
  const fixtures = await scenario.setup(new Date());
  const deployment = (scenario.workload as AnyWorkload).deploy(fixtures.cluster) as Deployment<object>;
  return { fixtures, deployment };
}

describe('the dry run of a scenario', () => {
  it('plays every committed scenario, and finds every step its expectations read', async () => {
    for (const scenario of (await loadScenarios()).values()) {
      const { fixtures, deployment } = await prepared(scenario);
      const played = await dryRun(scenario, fixtures, deployment);
      expect(played, scenario.name).toBeDefined();
      expect(stepReferenceProblem(scenario, fixtures, played!), scenario.name).toBeUndefined();
    }
  }, 120_000);

  it('gives each step a handle naming it, a second step asking for a taken id that id with -2, and returns what the run returned', async () => {
    const scenario = (await loadScenarios()).get('erlang-ca-expiry')!;
    const twice: AnyScenario = {
      ...scenario,
      async run(s: { restart(node: string): Promise<StepHandle>; observe(ms: number, why: string): Promise<StepHandle> }) {
        const first = await s.restart('node3');
        const second = await s.restart('node3');
        const observed = await s.observe(1_000, 'why');
        return { first, second, observed };
      },
      expectations: [],
    };
    const { fixtures, deployment } = await prepared(twice);
    const played = (await dryRun(twice, fixtures, deployment))!;
    expect(played.steps).toEqual(['restart-node3', 'restart-node3-2', 'observe-1']);
    expect(played.handles).toEqual({ first: { id: 'restart-node3' }, second: { id: 'restart-node3-2' }, observed: { id: 'observe-1' } });
  });

  it('hands each check the handles the run returned', async () => {
    const scenario = (await loadScenarios()).get('erlang-ca-expiry')!;
    const { fixtures, deployment } = await prepared(scenario);
    const played = (await dryRun(scenario, fixtures, deployment))!;
    expect(played.handles).toEqual({ jump: { id: 'jump-clocks' }, restart: { id: 'restart-node3' } });
    const wrong: AnyScenario = {
      ...scenario,
      expectations: [
        {
          id: 'wrong-handle',
          title: 'reads a handle made up, not returned',
          basis: '-',
          check: (q: TimelineQuery) => (q.step({ id: 'restart-node9' }), { verdict: 'pass', observed: '', evidence: [] }),
        },
      ],
    };
    expect(stepReferenceProblem(wrong, fixtures, played)).toMatch(/^expectation "wrong-handle" reads step "restart-node9"/);
  });

  it('names an expectation that reads a step the run never makes, and the steps there are', async () => {
    const scenario = (await loadScenarios()).get('erlang-ca-expiry')!;
    const mistyped: AnyScenario = {
      ...scenario,
      expectations: [
        ...scenario.expectations,
        { id: 'typo', title: 'typo', basis: '-', check: (q) => (q.step('restart-node4'), { verdict: 'pass', observed: '', evidence: [] }) },
      ],
    };
    const { fixtures, deployment } = await prepared(mistyped);
    expect(stepReferenceProblem(mistyped, fixtures, (await dryRun(mistyped, fixtures, deployment))!)).toMatch(
      /^expectation "typo" reads step "restart-node4", which the scenario's run never makes \(its steps: .*restart-node3.*\): name one of those$/,
    );
  });
});

describe('step ids', () => {
  it('are the ids asked for, a repeated one numbered from 2', () => {
    const ids = new StepIds();
    expect(['observe-1', 'healthy', 'healthy', 'healthy', 'healthy-2'].map((id) => ids.take(id))).toEqual([
      'observe-1',
      'healthy',
      'healthy-2',
      'healthy-3',
      'healthy-2-2',
    ]);
  });
});
