import { describe, expect, it } from 'vitest';
import { TimelineQuery } from '../../src/observe/query.js';
import type { TimelineRecord } from '../../src/observe/records.js';
import { managersMesh } from '../../scenarios/kops/legacy-year.js';

/** etcd-manager's mesh as the kops scenarios judge it, on hand-made timelines: a leader seen, a broken mesh, and a window too short to tell. */
const START = Date.parse('2026-11-23T03:00:00.000Z');
const at = (s: number) => new Date(START + s * 1000).toISOString();
const step = (id: string, s: number): TimelineRecord => ({ t: at(s), kind: 'step', id, title: id, startedAt: at(s), outcome: 'done' });
const leaderLine = (s: number): TimelineRecord => ({
  t: at(s),
  kind: 'log',
  node: 'etcd-a',
  topic: 'leader',
  text: 'I1123 03:00:00.000000 1 leadership.go:1] I am leader with token "x"',
});
const expiredPing = (s: number): TimelineRecord => ({
  t: at(s),
  kind: 'alert',
  node: 'etcd-b',
  class: 'certificate-expired',
  text: 'W1123 peers.go:1] unable to grpc-ping: x509: certificate has expired or is not yet valid',
  side: 'client',
  direction: 'generated',
  channel: 'manager',
});
const judge = (records: TimelineRecord[], leader: boolean) => {
  const q = new TimelineQuery([step('restart', 0), ...records]);
  return managersMesh(q, { window: { after: q.step('restart').startedAt }, leader, label: 'after the restart' });
};

describe("etcd-manager's mesh (managersMesh)", () => {
  it('a leader elected: PASS where one is expected, FAIL where none is', () => {
    expect(judge([leaderLine(20), step('end', 30)], true).verdict).toBe('pass');
    expect(judge([leaderLine(20), step('end', 30)], false).verdict).toBe('fail');
  });

  it('expecting a leader: none within a window shorter than a slow election, and no failed ping, cannot be judged', () => {
    expect(judge([step('end', 30)], true)).toMatchObject({ verdict: 'unknown', observed: expect.stringMatching(/too short to tell/) });
    expect(judge([step('end', 60)], true).verdict).toBe('fail');
    expect(judge([expiredPing(10), step('end', 30)], true).verdict).toBe('fail');
  });

  it('expecting none: failed pings and no leader over a long enough window PASS; a short or quiet window is UNKNOWN', () => {
    expect(judge([expiredPing(10), step('end', 30)], false).verdict).toBe('pass');
    expect(judge([expiredPing(5), step('end', 10)], false).verdict).toBe('unknown');
    expect(judge([step('end', 60)], false).verdict).toBe('unknown');
  });
});
