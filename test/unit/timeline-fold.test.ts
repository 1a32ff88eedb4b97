import { describe, expect, it, vi } from 'vitest';
import { linesOf, type AlertRecord } from '../../src/observe/records.js';
import { Timeline } from '../../src/observe/timeline.js';

const line = (n: number) =>
  `2027-12-06 16:21:18.${n} I | embed: rejected connection from "172.25.0.4:${52000 + n}" (error "remote error: tls: bad certificate", ServerName "etcd-a")`;
const alert = (n: number, node = 'etcd-a') => ({ kind: 'alert', node, class: 'bad-certificate', channel: 'remote', text: line(n) }) as const;

describe('the timeline folds repeated alert lines', () => {
  it('keeps the first line as it came and counts the rest of its second in one record', () => {
    vi.useFakeTimers();
    const timeline = new Timeline();
    for (let n = 0; n < 50; n++) timeline.add(alert(n));
    timeline.add(alert(0, 'etcd-b'));
    vi.advanceTimersByTime(1000);
    const alerts = timeline.records.filter((r): r is AlertRecord => r.kind === 'alert');
    expect(alerts.map((a) => [a.node, a.text, a.repeats])).toEqual([
      ['etcd-a', line(0), undefined],
      ['etcd-b', line(0), undefined],
      ['etcd-a', line(49), 48],
    ]);
    expect(alerts.filter((a) => a.node === 'etcd-a').reduce((sum, a) => sum + linesOf(a), 0)).toBe(50);
    vi.useRealTimers();
  });

  it('closes every fold before a step, so no line is counted past it', () => {
    const timeline = new Timeline();
    timeline.add(alert(1));
    timeline.add(alert(2));
    timeline.add(alert(3));
    timeline.add({ kind: 'step', id: 'restart', title: 'restart', startedAt: new Date().toISOString() });
    timeline.add(alert(4));
    expect(timeline.records.map((r) => (r.kind === 'alert' ? `${r.text.slice(-40)} x${linesOf(r)}` : r.kind))).toEqual([
      `${line(1).slice(-40)} x1`,
      `${line(3).slice(-40)} x2`,
      'step',
      `${line(4).slice(-40)} x1`,
    ]);
  });
});
