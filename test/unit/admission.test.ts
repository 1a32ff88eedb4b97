import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LIGHT_SCENARIO_CORES, nextAdmitted, scenarioCores } from '../../src/run/admission.js';
import { allocatableCores, cpuCores } from '../../src/platform/kubernetes/capacity.js';
import { renderSuite } from '../../src/report/suite.js';
import { loadScenarios } from '../../src/scenario/registry.js';
import { KOPS_MASTERS_CORES, type EtcdSetup } from '../../src/workload/etcd/index.js';

describe('admitting the scenarios of a suite side by side', () => {
  const limits = { parallel: 4, capacity: 2 };

  it('starts the first waiting scenario whose cores fit beside the running ones, passing over a heavy one that does not', () => {
    expect(nextAdmitted([0.5, 2, 0.5], [], limits)).toBe(0);
    expect(nextAdmitted([2, 0.5], [0.5], limits)).toBe(1);
    expect(nextAdmitted([0.5, 0.5], [0.5, 0.5], limits)).toBe(0);
    expect(nextAdmitted([0.5], [0.5, 0.5, 0.5], limits)).toBe(0);
  });

  it('waits for one to end when none fits, or when the count is reached', () => {
    expect(nextAdmitted([2, 2], [0.5], limits)).toBeUndefined();
    expect(nextAdmitted([0.5], [2], limits)).toBeUndefined();
    expect(nextAdmitted([0.5], [0.5, 0.5, 0.5, 0.5], { parallel: 4, capacity: 8 })).toBeUndefined();
    expect(nextAdmitted([0.5], [0.5, 0.5], { parallel: 2, capacity: 8 })).toBeUndefined();
    expect(nextAdmitted([], [], limits)).toBeUndefined();
  });

  it('runs a scenario bigger than the whole cluster alone, rather than never', () => {
    expect(nextAdmitted([3], [], limits)).toBe(0);
    expect(nextAdmitted([3], [0.5], limits)).toBeUndefined();
  });

  it('lets the count alone decide where the cluster could not say its cores', () => {
    expect(nextAdmitted([2, 2], [2], { parallel: 2 })).toBe(0);
    expect(nextAdmitted([2], [2, 2], { parallel: 2 })).toBeUndefined();
  });

  it('takes what fits exactly, whatever the sum of fractions rounds to', () => {
    expect(nextAdmitted([0.4], [0.1, 0.2, 0.3, 0.4, 0.6], { parallel: 8, capacity: 2 })).toBe(0);
  });

  it('gives a scenario that declares nothing the light share', () => {
    expect(scenarioCores({})).toBe(LIGHT_SCENARIO_CORES);
    expect(scenarioCores({ cores: KOPS_MASTERS_CORES })).toBe(KOPS_MASTERS_CORES);
  });

  it('has every scenario that runs the kops masters (the real etcd-manager) declare their cores, and no other', async () => {
    const heavy: string[] = [];
    for (const scenario of (await loadScenarios()).values()) {
      const { cluster } = await scenario.setup(new Date());
      const clusters = (cluster as Partial<EtcdSetup>).clusters ?? [];
      const runsMasters = clusters.some((c) => c.manager !== 'hand-issued');
      if (runsMasters) heavy.push(scenario.name);
      expect(scenario.cores, scenario.name).toBe(runsMasters ? KOPS_MASTERS_CORES : undefined);
    }
    expect(heavy.length).toBeGreaterThanOrEqual(6);
  }, 120_000);
});

function node(cpu: string | undefined, more: { unschedulable?: boolean; taint?: string; ready?: 'True' | 'False' } = {}): V1Node {
  return {
    spec: { unschedulable: more.unschedulable, taints: more.taint ? [{ key: 'k', effect: more.taint }] : undefined },
    status: { allocatable: cpu === undefined ? {} : { cpu }, conditions: [{ type: 'Ready', status: more.ready ?? 'True' }] },
  };
}

describe("the cluster's cores", () => {
  it('reads CPU quantities as the API gives them', () => {
    expect(cpuCores('2')).toBe(2);
    expect(cpuCores('1930m')).toBeCloseTo(1.93);
    expect(cpuCores('0.5')).toBe(0.5);
    expect(cpuCores('2Gi')).toBeUndefined();
    expect(cpuCores(undefined)).toBeUndefined();
  });

  it('sums allocatable CPU over the nodes a run can be scheduled on', () => {
    expect(allocatableCores([node('2'), node('1500m')])).toBeCloseTo(3.5);
    expect(allocatableCores([node('2'), node('4', { unschedulable: true }), node('4', { taint: 'NoSchedule' }), node('4', { ready: 'False' })])).toBe(
      2,
    );
    expect(allocatableCores([node('2', { taint: 'PreferNoSchedule' })])).toBe(2);
    expect(allocatableCores([node(undefined)])).toBeUndefined();
    expect(allocatableCores([])).toBeUndefined();
  });
});

describe("the suite's page", () => {
  const page = (more: { parallel?: number; mostAtOnce?: number; capacity?: number }) =>
    renderSuite({
      entries: [],
      questions: [],
      platform: 'kubernetes',
      startedAt: '2026-12-07T03:00:00.000Z',
      endedAt: '2026-12-07T03:05:00.000Z',
      outcome: 'completed',
      ...more,
    });

  it('says how many ran together and by what cores they were admitted', () => {
    expect(page({ parallel: 4, mostAtOnce: 3, capacity: 2 })).toContain(
      "up to 4 scenarios at once (a namespace each; 3 ran together at most, each started only while the cluster's 2 cores covered what it and the running ones keep busy)",
    );
    expect(page({ parallel: 2 })).toContain('up to 2 scenarios at once (a namespace each)');
    expect(page({})).toContain('one scenario at a time');
  });
});
