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
  clocksMoved,
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
    expect(result.verdict).toBe('pass');
    expect(result.evidence).toHaveLength(3);
  });

  it('fails when one node never saw the third', () => {
    const b = new TimelineBuilder().at(1).sees('node1', ['node2']).sees('node2', ['node1']).sees('node3', []).at(2).step('jump');
    expect(fullMeshBefore(new TimelineQuery(b.records), NODES, 'jump').verdict).toBe('fail');
  });

  it('does not count a mesh that formed only after the step began: with no sample before it, it cannot judge', () => {
    const b = new TimelineBuilder().at(1).step('jump');
    meshAt(b, 2);
    expect(fullMeshBefore(new TimelineQuery(b.records), NODES, 'jump').verdict).toBe('unknown');
  });
});

describe('stayFullyConnected', () => {
  it('passes when every sample in the window shows the mesh', () => {
    const b = new TimelineBuilder().at(0).step('jump');
    meshAt(b, 1, 31 * 86400);
    meshAt(b, 2, 31 * 86400);
    b.at(3).step('restart');
    const q = new TimelineQuery(b.records);
    expect(stayFullyConnected(q, NODES, { window: windowAfter(q, 'jump', 'restart'), label: 'after the jump' }).verdict).toBe('pass');
  });

  it('fails and names the node when one sample lost a peer', () => {
    const b = new TimelineBuilder().at(0).step('jump');
    meshAt(b, 1);
    b.at(2).sees('node1', ['node2']).sees('node2', MESH.node2!).sees('node3', MESH.node3!);
    b.at(3).step('restart');
    const q = new TimelineQuery(b.records);
    const result = stayFullyConnected(q, NODES, { window: windowAfter(q, 'jump', 'restart'), label: 'after the jump' });
    expect(result.verdict).toBe('fail');
    expect(result.observed).toContain('node1 lost a peer');
  });

  it('cannot judge with too few samples', () => {
    const b = new TimelineBuilder().at(0).step('jump');
    meshAt(b, 1).at(2).step('restart');
    const q = new TimelineQuery(b.records);
    const result = stayFullyConnected(q, NODES, { window: windowAfter(q, 'jump', 'restart'), label: 'after the jump' });
    expect(result.verdict).toBe('unknown');
    expect(result.observed).toMatch(/too few/);
  });

  it('cannot judge when a probe got no answer, but a node that answered down fails', () => {
    const b = new TimelineBuilder().at(0).step('jump');
    meshAt(b, 1);
    b.at(2).unanswered('node1').sees('node2', MESH.node2!).sees('node3', MESH.node3!);
    meshAt(b, 3).at(4).step('restart');
    const q = new TimelineQuery(b.records);
    const result = stayFullyConnected(q, NODES, { window: windowAfter(q, 'jump', 'restart'), label: 'after the jump' });
    expect(result.verdict).toBe('unknown');
    expect(result.observed).toContain('1 probe(s) of node1 after the jump got no answer');
    b.at(3.5).down('node2');
    const q2 = new TimelineQuery(b.records);
    expect(stayFullyConnected(q2, NODES, { window: windowAfter(q2, 'jump', 'restart'), label: 'after the jump' }).verdict).toBe('fail');
  });
});

describe('staysAlone', () => {
  it('passes when the node answers, sees nobody, and nobody lists it', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    for (const s of [1, 2, 3]) b.at(s).sees('node3', []).sees('node1', ['node2']).sees('node2', ['node1']);
    const q = new TimelineQuery(b.records);
    expect(staysAlone(q, 'node3', { others: ['node1', 'node2'], window: windowAfter(q, 'restart'), label: 'after' }).verdict).toBe('pass');
  });

  it('fails when it rejoins', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    b.at(1).sees('node3', []).at(2).sees('node3', ['node1']);
    const q = new TimelineQuery(b.records);
    expect(staysAlone(q, 'node3', { others: ['node1', 'node2'], window: windowAfter(q, 'restart'), label: 'after' }).verdict).toBe('fail');
  });

  it('fails when it never came up: a down node is not "alone"', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    for (const s of [1, 2, 3]) b.at(s).down('node3');
    const q = new TimelineQuery(b.records);
    const result = staysAlone(q, 'node3', { others: ['node1', 'node2'], window: windowAfter(q, 'restart'), label: 'after' });
    expect(result.verdict).toBe('fail');
    expect(result.observed).toContain('node3 never answered after: down (fetch failed (ECONNREFUSED))');
  });

  it('cannot judge when its probes got no answer', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    for (const s of [1, 2, 3]) b.at(s).unanswered('node3');
    const q = new TimelineQuery(b.records);
    const result = staysAlone(q, 'node3', { others: ['node1', 'node2'], window: windowAfter(q, 'restart'), label: 'after' });
    expect(result.verdict).toBe('unknown');
    expect(result.observed).toContain('answered only 0 probe');
  });
});

describe('nodesLogAlert', () => {
  it('passes when each node logged the line', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    b.at(1).alert('node1', `TLS server: In state certify ${INCIDENT}`).alert('node2', `TLS server: In state certify ${INCIDENT}`);
    const q = new TimelineQuery(b.records);
    expect(nodesLogAlert(q, ['node1', 'node2'], { window: windowAfter(q, 'restart'), text: INCIDENT, label: 'after' }).verdict).toBe('pass');
  });

  it('fails and reports what a node logged instead', () => {
    const b = new TimelineBuilder().at(0).step('restart');
    b.at(1)
      .alert('node1', `TLS server: In state certify ${INCIDENT}`)
      .alert('node2', 'TLS server: In state certify received CLIENT ALERT: Fatal - Unknown CA', 'unknown-ca');
    const q = new TimelineQuery(b.records);
    const result = nodesLogAlert(q, ['node1', 'node2'], { window: windowAfter(q, 'restart'), text: INCIDENT, label: 'after' });
    expect(result.verdict).toBe('fail');
    expect(result.observed).toContain('node2 did not log');
    expect(result.evidence).toContainEqual(expect.objectContaining({ node: 'node2', class: 'unknown-ca' }));
  });

  it('ignores lines logged before the window', () => {
    const b = new TimelineBuilder().at(0).alert('node1', INCIDENT).at(1).step('restart');
    const q = new TimelineQuery(b.records);
    expect(nodesLogAlert(q, ['node1'], { window: windowAfter(q, 'restart'), text: INCIDENT, label: 'after' }).verdict).toBe('fail');
  });
});

describe('health checks', () => {
  const health = (b: TimelineBuilder, node: string, healthy: boolean | 'no answer', error?: string) => {
    const t = new Date(Date.parse('2026-11-23T03:00:00Z') + b.records.length * 1000).toISOString();
    if (healthy === 'no answer')
      b.records.push({
        t,
        kind: 'state',
        node,
        view: 'apiserver',
        viewLabel: 'API server view',
        ok: false,
        noAnswer: true,
        error: 'no answer within 5 s (connected, no TLS handshake)',
      });
    else b.records.push({ t, kind: 'state', node, view: 'apiserver', viewLabel: 'API server view', ok: healthy, ...(error ? { error } : {}) });
    return b;
  };

  it('everyHealthSample (Healthy): a probe with no answer is not Unhealthy; the run cannot judge (the flip CI saw)', () => {
    const b = new TimelineBuilder();
    for (const n of ['a', 'b']) health(health(health(b, n, true), n, true), n, true);
    health(b, 'b', 'no answer');
    const result = everyHealthSample(new TimelineQuery(b.records), ['a', 'b'], { view: 'apiserver', healthy: true, label: 'once formed' });
    expect(result.verdict).toBe('unknown');
    expect(result.observed).toBe(
      '6 API server view samples once formed are Healthy, but 1 got no answer: cannot tell whether the member or the host was slow',
    );
    health(b, 'a', false, 'HTTP 503');
    expect(everyHealthSample(new TimelineQuery(b.records), ['a', 'b'], { view: 'apiserver', healthy: true, label: 'once formed' }).verdict).toBe(
      'fail',
    );
  });

  it('everyHealthSample (Unhealthy): no answer is not Unhealthy, so load alone cannot pass it; answered samples can, the unanswered said apart', () => {
    const b = new TimelineBuilder();
    for (const n of ['a', 'b']) health(health(b, n, 'no answer'), n, 'no answer');
    const silent = everyHealthSample(new TimelineQuery(b.records), ['a', 'b'], { view: 'apiserver', healthy: false, label: 'during the run' });
    expect(silent.verdict).toBe('unknown');
    expect(silent.observed).toContain('only 0 API server view answer(s) from a during the run');
    for (const n of ['a', 'b']) health(health(b, n, false, 'certificate has expired'), n, false, 'certificate has expired');
    const answered = everyHealthSample(new TimelineQuery(b.records), ['a', 'b'], { view: 'apiserver', healthy: false, label: 'during the run' });
    expect(answered.verdict).toBe('pass');
    expect(answered.observed).toBe('all 4 API server view answers from a, b during the run are Unhealthy (4 more got no answer and are not counted)');
  });

  it('everyHealthSample (Healthy) sets aside, and says so, only the Unhealthy answers its aside names (a raft election), never others', () => {
    const b = new TimelineBuilder();
    for (const n of ['a', 'b']) health(health(b, n, true), n, true);
    health(b, 'b', false, 'error getting data from etcd: etcdserver: leader changed');
    const aside = { errors: ['etcdserver: leader changed'], why: 'a raft election' };
    const q = () => new TimelineQuery(b.records);
    expect(everyHealthSample(q(), ['a', 'b'], { view: 'apiserver', healthy: true, label: 'a year on' }).verdict).toBe('fail');
    const result = everyHealthSample(q(), ['a', 'b'], { view: 'apiserver', healthy: true, label: 'a year on', aside });
    expect(result.verdict).toBe('pass');
    expect(result.observed).toBe(
      'all 4 API server view answers from a, b a year on are Healthy (1 Unhealthy answer(s) of b during a raft election, "error getting data from etcd: etcdserver: leader changed", not counted)',
    );
    health(b, 'a', false, 'certificate has expired');
    expect(everyHealthSample(q(), ['a', 'b'], { view: 'apiserver', healthy: true, label: 'a year on', aside }).verdict).toBe('fail');
  });

  it('everyHealthSample cannot judge one sample', () => {
    const b = health(health(new TimelineBuilder(), 'a', true), 'b', true);
    expect(everyHealthSample(new TimelineQuery(b.records), ['a', 'b'], { view: 'apiserver', healthy: true, label: 'here' }).verdict).toBe('unknown');
  });

  it('everyHealthSample fails on one healthy sample among unhealthy ones, naming it', () => {
    const b = new TimelineBuilder();
    for (const n of ['a', 'b']) health(health(b, n, false, 'certificate has expired'), n, false, 'certificate has expired');
    health(b, 'b', true);
    const result = everyHealthSample(new TimelineQuery(b.records), ['a', 'b'], { view: 'apiserver', healthy: false, label: 'during the run' });
    expect(result.verdict).toBe('fail');
    expect(result.observed).toContain('b was Healthy');
  });

  it('healthErrorsMention fails when a member was unhealthy for another reason', () => {
    const b = new TimelineBuilder();
    health(health(b, 'a', false, 'certificate has expired'), 'a', false, 'HTTP 503 {"health":"false"}');
    const result = healthErrorsMention(new TimelineQuery(b.records), ['a'], {
      view: 'apiserver',
      text: 'certificate has expired',
      label: 'during the run',
    });
    expect(result.verdict).toBe('fail');
    expect(result.observed).toContain('HTTP 503');
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

  it("keeps a node's last known state through a probe that got no answer", () => {
    const b = new TimelineBuilder();
    meshAt(b, 1);
    b.at(2).unanswered('node1');
    meshAt(b, 3);
    const series = largestGroupOverTime(new TimelineQuery(b.records), NODES, { after: '2026-11-23T03:00:01.500Z' });
    expect(series.map((p) => p.size)).toEqual([3, 3, 3]);
  });
});

describe('onlyTheseReject', () => {
  it('fails when another node also generated an alert', () => {
    const b = new TimelineBuilder().at(1);
    b.records.push(
      {
        t: '2026-11-23T03:00:01.000Z',
        kind: 'alert',
        node: 'node3',
        class: 'certificate-expired',
        text: 'x',
        side: 'client',
        direction: 'generated',
      },
      {
        t: '2026-11-23T03:00:02.000Z',
        kind: 'alert',
        node: 'node1',
        class: 'certificate-expired',
        text: 'y',
        side: 'server',
        direction: 'generated',
      },
    );
    const q = new TimelineQuery(b.records);
    expect(onlyTheseReject(q, ['node3'], { label: 'here' }).verdict).toBe('fail');
    // Each rejected only from one end of the connection: the "as client and as server" claim does not hold.
    const oneSided = onlyTheseReject(q, ['node3', 'node1'], { label: 'here' });
    expect(oneSided.verdict).toBe('fail');
    expect(oneSided.observed).toContain('node3 never as server, node1 never as client');
    b.records.push(
      {
        t: '2026-11-23T03:00:03.000Z',
        kind: 'alert',
        node: 'node3',
        class: 'certificate-expired',
        text: 'z',
        side: 'server',
        direction: 'generated',
      },
      {
        t: '2026-11-23T03:00:04.000Z',
        kind: 'alert',
        node: 'node1',
        class: 'certificate-expired',
        text: 'w',
        side: 'client',
        direction: 'generated',
      },
    );
    expect(onlyTheseReject(new TimelineQuery(b.records), ['node3', 'node1'], { label: 'here' }).verdict).toBe('pass');
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
    const rule = {
      name: 'soon',
      expr: '< 7d',
      fires: (v: Record<string, number>) => v['certdrill_certificate_expiry_seconds{certificate="ca"}']! < 7 * 86_400,
    };
    const fired = firstFiring(new TimelineQuery(records), rule, ['node1', 'node2']);
    expect(fired.get('node1')?.t).toBe('2026-11-23T03:00:02.000Z');
    expect(fired.get('node2')).toBeUndefined();
  });
});

describe('clocksMoved', () => {
  const jump = (shown: (number | undefined)[]) => {
    const b = new TimelineBuilder().at(1);
    shown.forEach((s, i) =>
      b.records.push({
        t: '2026-11-23T03:00:01.500Z',
        kind: 'clock',
        node: NODES[i]!,
        spec: '+31d',
        offsetSeconds: 31 * 86_400,
        ...(s === undefined ? {} : { shownOffsetSeconds: s, shownBy: 'test' }),
      }),
    );
    b.at(2).step('jump-clocks', 'jump', 1);
    return new TimelineQuery(b.records);
  };
  const DAYS31 = 31 * 86_400;

  it('judges by what the nodes showed, or by what was asked for', () => {
    const q = jump([DAYS31, DAYS31 + 0.4, DAYS31 - 3600]);
    expect(clocksMoved(q, NODES, { jump: 'jump-clocks', seconds: DAYS31, use: 'requested', toleranceSeconds: 2 }).verdict).toBe('pass');
    const shown = clocksMoved(q, NODES, { jump: 'jump-clocks', seconds: DAYS31, use: 'shown', toleranceSeconds: 2 });
    expect(shown.verdict).toBe('fail');
    expect(shown.observed).toContain(`node3 ${DAYS31 - 3600} s`);
  });

  it("cannot judge by the nodes' clocks when one could not be read", () => {
    expect(
      clocksMoved(jump([DAYS31, undefined, DAYS31]), NODES, { jump: 'jump-clocks', seconds: DAYS31, use: 'shown', toleranceSeconds: 2 }).verdict,
    ).toBe('unknown');
  });
});
