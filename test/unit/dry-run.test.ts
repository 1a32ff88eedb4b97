import { describe, expect, it } from 'vitest';
import { dryRunSteps, stepReferenceProblem } from '../../src/run/dry-run.js';
import { loadScenarios } from '../../src/scenario/registry.js';
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
      expect(await dryRunSteps(scenario, fixtures, deployment), scenario.name).toBeDefined();
      expect(await stepReferenceProblem(scenario, fixtures, deployment), scenario.name).toBeUndefined();
    }
  }, 120_000);

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
    expect(await stepReferenceProblem(mistyped, fixtures, deployment)).toMatch(
      /^expectation "typo" reads step "restart-node4", which the scenario's run never makes \(its steps: .*restart-node3.*\): name one of those$/,
    );
  });
});
