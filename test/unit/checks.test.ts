import { describe, expect, it } from 'vitest';
import { TimelineQuery } from '../../src/observe/query.js';
import {
  everyHealthSample,
  firstFiring,
  fullMeshBefore,
  healthErrorsMention,
  largestGroupOverTime,
  nodesLogAlert,
  onlyTheseReject,
  staysAlone,
  stayFullyConnected,
  windowAfter,
} from '../../src/scenario/checks.js';
import { MESH, TimelineBuilder } from '../support/timeline-builder.js';

const NODES = ['node1', 'node2', 'node3'];
const INCIDENT = 'received CLIENT ALERT: Fatal - Certificate Expired';

function meshAt(b: TimelineBuilder, s: number, offset = 0) {
  b.at(s);
  for (const n of NODES) b.sees(n, MESH[n]!, offset);
  return b;
}

describe('fullMeshBefore', () => {
  it('passes when every node saw all the others before the step, citing those samples', () => {
    const b = meshAt(new TimelineBuilder(), 1).at(2).step('jump');
    const result = fullMeshBefore(new TimelineQuery(b.records), NODES, 'jump');
    expect(result.pass).toBe(true);
    expect(result.evidence).toHaveLength(3);
  });

  it('fails when one node never saw the third', () => {
    const b = new TimelineBuilder().at(1).sees('node1', ['node2']).sees('node2', ['node1']).sees('node3', []).at(2).step('jump');
    expect(fullMeshBefore(new TimelineQuery(b.records), NODES, 'jump').pass).toBe(false);
  });

  it('does not count a mesh that formed only after the step began', () => {
    const b = new TimelineBuilder().at(1).step('jump');
    meshAt(b, 2);
    expect(fullMeshBefore(new TimelineQuery(b.records), NODES, 'jump').pass).toBe(false);
  });
});

describe('stayFullyConnected', () => {
  it('passes when every sample in the window shows the mesh', () => {
    const b = new TimelineBuilder().at(0).step('jump');
    meshAt(b, 1, 31 * 86400);
    meshAt(b, 2, 31 * 86400);
    b.at(3).step('restart');
    const q = new TimelineQuery(b.records);
    expect(stayFullyConnected(q, NODES, windowAfter(q, 'jump', 'restart'), 'after the jump').pass).toBe(true);
  });

  it('fails and names the node when one sample lost a peer', () => {
    const b = new TimelineBuilder().at(0).step('jump');
    meshAt(b, 1);
    b.at(2).sees('node1', ['node2']).sees('node2', MESH.node2!).sees('node3', MESH.node3!);
    b.at(3).step('restart');
    const q = new TimelineQuery(b.records);
    const result = stayFullyConnected(q, NODES, windowAfter(q, 'jump', 'restart'), 'after the jump');
    expect(result.pass).toBe(false);
    expect(result.observed).toContain('node1 lost a peer');
  });

  it('fails when there are too few samples to judge', () => {
    const b = new TimelineBuilder().at(0).step('jump');
    meshAt(b, 1).at(2).step('restart');
    const q = new TimelineQuery(b.records);
    expect(stayFullyConnected(q, NODES, windowAfter(q, 'jump', 'restart'), 'after the jump').observed).toMatch(/too few/);
  });
});

describe('staysAlone', () => {
  it('passes when the node answers, sees nobody, and nobody lists it', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    for (const s of [1, 2, 3]) b.at(s).sees('node3', []).sees('node1', ['node2']).sees('node2', ['node1']);
    const q = new TimelineQuery(b.records);
    expect(staysAlone(q, 'node3', ['node1', 'node2'], windowAfter(q, 'restart'), 'after').pass).toBe(true);
  });

  it('fails when it rejoins', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    b.at(1).sees('node3', []).at(2).sees('node3', ['node1']);
    const q = new TimelineQuery(b.records);
    expect(staysAlone(q, 'node3', ['node1', 'node2'], windowAfter(q, 'restart'), 'after').pass).toBe(false);
  });

  it('fails when it never came up: a down node is not "alone"', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    for (const s of [1, 2, 3]) b.at(s).down('node3');
    const q = new TimelineQuery(b.records);
    const result = staysAlone(q, 'node3', ['node1', 'node2'], windowAfter(q, 'restart'), 'after');
    expect(result.pass).toBe(false);
    expect(result.observed).toContain('answered only 0 probe');
  });
});

describe('nodesLogAlert', () => {
  it('passes when each node logged the line', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    b.at(1).alert('node1', `TLS server: In state certify ${INCIDENT}`).alert('node2', `TLS server: In state certify ${INCIDENT}`);
    const q = new TimelineQuery(b.records);
    expect(nodesLogAlert(q, ['node1', 'node2'], windowAfter(q, 'restart'), INCIDENT, 'after').pass).toBe(true);
  });

  it('fails and reports what a node logged instead', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    b.at(1).alert('node1', `TLS server: In state certify ${INCIDENT}`).alert('node2', 'TLS server: In state certify received CLIENT ALERT: Fatal - Unknown CA', 'unknown-ca');
    const q = new TimelineQuery(b.records);
    const result = nodesLogAlert(q, ['node1', 'node2'], windowAfter(q, 'restart'), INCIDENT, 'after');
    expect(result.pass).toBe(false);
    expect(result.observed).toContain('node2 did not log');
    expect(result.evidence).toContainEqual(expect.objectContaining({ node: 'node2', class: 'unknown-ca' }));
  });

  it('ignores lines logged before the window', () => {
    const b = new TimelineBuilder().at(0).alert('node1', INCIDENT).at(1).step('restart');
    const q = new TimelineQuery(b.records);
    expect(nodesLogAlert(q, ['node1'], windowAfter(q, 'restart'), INCIDENT, 'after').pass).toBe(false);
  });
});

describe('health checks', () => {
  const health = (b: TimelineBuilder, node: string, healthy: boolean, error?: string) => {
    b.records.push({ t: new Date(Date.parse('2026-11-23T03:00:00Z') + b.records.length * 1000).toISOString(), kind: 'health', node, view: 'apiserver', healthy, ...(error ? { error } : {}) });
    return b;
  };

  it('everyHealthSample fails on one healthy sample among unhealthy ones, naming it', () => {
    const b = new TimelineBuilder();
    for (const n of ['a', 'b']) health(health(b, n, false, 'certificate has expired'), n, false, 'certificate has expired');
    health(b, 'b', true);
    const result = everyHealthSample(new TimelineQuery(b.records), ['a', 'b'], {}, 'apiserver', false, 'during the run');
    expect(result.pass).toBe(false);
    expect(result.observed).toContain('b was Healthy');
  });

  it('healthErrorsMention fails when a member was unhealthy for another reason', () => {
    const b = new TimelineBuilder();
    health(health(b, 'a', false, 'certificate has expired'), 'a', false, 'no answer within 2 s');
    const result = healthErrorsMention(new TimelineQuery(b.records), ['a'], {}, 'apiserver', 'certificate has expired', 'during the run');
    expect(result.pass).toBe(false);
    expect(result.observed).toContain('no answer within 2 s');
  });
});

describe('largestGroupOverTime', () => {
  it('counts only mutual connections among running nodes', () => {
    const b = new TimelineBuilder();
    meshAt(b, 1);
    b.at(2).down('node1');
    b.at(3).sees('node2', ['node3']).sees('node3', ['node2']);
    b.at(4).sees('node1', []);
    b.at(5).sees('node2', []).sees('node3', ['node2']);
    const series = largestGroupOverTime(new TimelineQuery(b.records), NODES, { after: '2026-11-23T03:00:01.500Z' });
    expect(series.map((p) => p.size)).toEqual([2, 2, 2, 2, 1, 1]);
  });
});

describe('onlyTheseReject', () => {
  it('fails when another node also generated an alert', () => {
    const b = new TimelineBuilder().at(1);
    b.records.push(
      { t: '2026-11-23T03:00:01.000Z', kind: 'alert', node: 'node3', class: 'certificate-expired', text: 'x', side: 'client', direction: 'generated' },
      { t: '2026-11-23T03:00:02.000Z', kind: 'alert', node: 'node1', class: 'certificate-expired', text: 'y', side: 'server', direction: 'generated' },
    );
    const q = new TimelineQuery(b.records);
    expect(onlyTheseReject(q, ['node3'], {}, 'here').pass).toBe(false);
    expect(onlyTheseReject(q, ['node3', 'node1'], {}, 'here').pass).toBe(true);
  });
});

describe('firstFiring', () => {
  it('finds the first sample on which a rule holds, per node', () => {
    const records = [10, 8, 6, 4].map((days, i) => ({
      t: `2026-11-23T03:00:0${i}.000Z`,
      kind: 'metrics' as const,
      node: 'node1',
      values: { 'certdrill_certificate_expiry_seconds{certificate="ca"}': days * 86_400 },
    }));
    const rule = { name: 'soon', expr: '< 7d', fires: (v: Record<string, number>) => v['certdrill_certificate_expiry_seconds{certificate="ca"}']! < 7 * 86_400 };
    const fired = firstFiring(new TimelineQuery(records), rule, ['node1', 'node2']);
    expect(fired.get('node1')?.t).toBe('2026-11-23T03:00:02.000Z');
    expect(fired.get('node2')).toBeUndefined();
  });
});
