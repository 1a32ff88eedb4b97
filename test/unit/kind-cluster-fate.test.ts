import { describe, expect, it } from 'vitest';
import { clusterFate, type ClusterOwner } from '../../src/platform/kind/kind-platform.js';

const owner = (over: Partial<ClusterOwner>): ClusterOwner => ({ pid: 4242, host: 'here', keep: false, gone: true, ...over });

describe("what a sweep does with certdrill's kind cluster", () => {
  it('deletes one its run meant to delete once that run is gone, or hands it to a starting run', () => {
    expect(clusterFate(owner({}), {})).toBe('delete');
    expect(clusterFate(owner({}), { adopt: true })).toBe('adopt');
  });

  it('leaves a kept cluster unless asked for it (cleanup --cluster), and never adopts one', () => {
    expect(clusterFate(owner({ keep: true }), {})).toBe('leave');
    expect(clusterFate(owner({ keep: true }), { adopt: true })).toBe('leave');
    expect(clusterFate(owner({ keep: true }), { kept: true })).toBe('delete');
  });

  it('never touches one whose run still runs, or one certdrill has no record of making', () => {
    expect(clusterFate(owner({ gone: false }), { kept: true })).toBe('in-use');
    expect(clusterFate(owner({ gone: false, keep: true }), { kept: true })).toBe('in-use');
    expect(clusterFate(undefined, { kept: true })).toBe('not-ours');
    expect(clusterFate(undefined, { adopt: true })).toBe('not-ours');
  });
});
