import { describe, expect, it } from 'vitest';
import { MissingStepError, TimelineQuery } from '../../src/observe/query.js';
import type { TimelineRecord } from '../../src/observe/records.js';

describe('a step the run never reached', () => {
  it('says where the run stopped, when a required wait stopped it', () => {
    const records: TimelineRecord[] = [
      {
        t: '2026-12-06T21:00:00.000Z',
        kind: 'step',
        id: 'healthy',
        title: 'wait until Healthy',
        startedAt: '2026-12-06T20:57:00.000Z',
        outcome: 'timeout',
        detail: 'not met within 180 s; the run stops here',
      },
    ];
    const q = new TimelineQuery(records);
    expect(() => q.step('year-passes')).toThrow(MissingStepError);
    expect(() => q.step('year-passes')).toThrow(
      'the run never reached step "year-passes": it stopped at step healthy (not met within 180 s; the run stops here)',
    );
  });

  it('says only that it is missing otherwise (a mistyped id)', () => {
    expect(() => new TimelineQuery([]).step('year-pases')).toThrow('the timeline has no step "year-pases"');
  });
});
