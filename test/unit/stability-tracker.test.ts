import { describe, expect, it } from 'vitest';
import { StabilityTracker } from '../../src/run/context.js';

describe('StabilityTracker (when an observation window may end early)', () => {
  it("counts every node's samples since any node last changed, the slowest node deciding", () => {
    const state = new Map([
      ['a', 'sees b'],
      ['b', 'sees a'],
    ]);
    const samples = new Map([
      ['a', 0],
      ['b', 0],
    ]);
    const tracker = new StabilityTracker(
      ['a', 'b'],
      () => state,
      (n) => samples.get(n)!,
    );
    tracker.update();
    samples.set('a', 5).set('b', 3);
    tracker.update();
    expect(tracker.heldFor()).toBe(3);
    state.set('b', 'sees nobody');
    tracker.update();
    expect(tracker.heldFor()).toBe(0);
    expect(tracker.lastChange).toBeDefined();
    samples.set('a', 9).set('b', 4);
    tracker.update();
    expect(tracker.heldFor()).toBe(1);
  });
});
