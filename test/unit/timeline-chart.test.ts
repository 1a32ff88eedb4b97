import { describe, expect, it } from 'vitest';
import { timelineChart } from '../../src/report/timeline-chart.js';
import { TimelineBuilder } from '../support/timeline-builder.js';

describe('the timeline picture in a findings report', () => {
  it('draws one bar per stretch of the same state per node, critical where a node lost peers or was down, and the steps as milestones', () => {
    const b = new TimelineBuilder();
    b.at(0).sees('node1', []).sees('node2', []);
    b.at(1).sees('node1', ['node2']).sees('node2', ['node1']);
    b.at(2).sees('node1', ['node2']).sees('node2', ['node1']);
    b.at(3).step('jump-clocks');
    b.at(4).down('node2').sees('node1', []);
    b.at(5).unanswered('node2');
    const chart = timelineChart(b.records);
    expect(chart[0]).toBe('```mermaid');
    expect(chart.at(-1)).toBe('```');
    const section = (name: string) => {
      const rest = chart.slice(chart.indexOf(`  section ${name}`) + 1);
      const next = rest.findIndex((l) => l.startsWith('  section') || l === '```');
      return rest.slice(0, next);
    };
    expect(section('node1').map((l) => l.split(' :')[0]!.trim())).toEqual(['alone', 'sees all 1', 'alone']);
    expect(section('node2').map((l) => l.split(' :')[0]!.trim())).toEqual(['alone', 'sees all 1', 'down', 'no answer']);
    expect(section('node2')[2]).toMatch(/^ {2}down :crit, b\d+, 2026-11-23 03:00:04\.000, 2026-11-23 03:00:05\.000$/);
    expect(section('node2')[3]).toMatch(/^ {2}no answer :done, /);
    expect(chart.find((l) => l.startsWith('  jump-clocks'))).toMatch(/:milestone, s\d+, 2026-11-23 03:00:03\.000, 0d$/);
  });

  it('draws nothing for a run that sampled nothing', () => {
    expect(timelineChart(new TimelineBuilder().step('x').records)).toEqual([]);
  });
});
