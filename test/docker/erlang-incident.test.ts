import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../../src/observe/records.js';
import { certdrillLeftovers } from '../support/leftovers.js';
import { after, before, ms, recordRun, type RecordedRun } from '../support/run-scenario.js';
import { describeErlangPreflight, describeErlangRestartAfterExpiry } from '../shared/erlang-incident.js';

/**
 * Real runs of the scenarios that answer the Erlang operator's questions:
 * erl nodes over inet_tls with libfaketime, on Docker. Every assertion reads
 * what the run's timeline recorded.
 */

const DAY_MS = 86_400_000;
const offset = (r: { t: string; nodeTime?: string }) => ms(r.nodeTime!) - ms(r.t);

describe('erlang-node-cert-expiry', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('erlang-node-cert-expiry');
  });

  it("keeps node3 connected past its certificate's expiry, then leaves it alone after a restart", () => {
    const between = run.membership().filter((r) => after(run, 'jump-clocks')(r) && before(run, 'restart-node3')(r));
    expect(between.length).toBeGreaterThan(6);
    expect(between.every((r) => r.ok && r.peers.length === 2)).toBe(true);
    const node3 = run.membership().filter((r) => r.node === 'node3' && r.ok && after(run, 'restart-node3')(r));
    expect(node3.length).toBeGreaterThan(4);
    expect(node3.every((r) => r.peers.length === 0)).toBe(true);
    const node1 = run.membership().filter((r) => r.node === 'node1' && after(run, 'restart-node3')(r));
    expect(node1.at(-1)!.peers).toEqual(['node2']);
  });

  it('shows node3 rejected in both directions, by the nodes whose certificates are valid', () => {
    const alerts = run.alerts().filter(after(run, 'restart-node3'));
    const node3 = alerts.filter((a) => a.node === 'node3');
    expect(node3.some((a) => a.side === 'server' && a.direction === 'received' && a.text.includes('CLIENT ALERT: Fatal - Certificate Expired'))).toBe(
      true,
    );
    expect(node3.some((a) => a.side === 'client' && a.direction === 'received' && a.text.includes('SERVER ALERT: Fatal - Certificate Expired'))).toBe(
      true,
    );
    const judges = new Set(alerts.filter((a) => a.direction === 'generated').map((a) => a.node));
    expect([...judges].sort()).toEqual(['node1', 'node2']);
  });
});

describe('erlang-clock-skew', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('erlang-clock-skew');
  });

  it('has only the node whose clock is +31 days reject certificates, and it stays alone', () => {
    const window = (r: { t: string }) => after(run, 'restart-node3')(r) && before(run, 'fix-clock')(r);
    const node3 = run.membership().filter((r) => r.node === 'node3' && r.ok && window(r));
    expect(node3.length).toBeGreaterThan(3);
    expect(node3.every((r) => r.peers.length === 0 && Math.abs(offset(r) - 31 * DAY_MS) < 60_000)).toBe(true);
    const generated = run.alerts().filter((a) => window(a) && a.direction === 'generated');
    expect(generated.length).toBeGreaterThan(0);
    expect(new Set(generated.map((a) => a.node))).toEqual(new Set(['node3']));
  });

  it('lets node3 rejoin with its clock right, and leaves node2 alone 2 h behind, rejecting with Certificate Expired', () => {
    expect(run.step('mesh-again').outcome).toBe('met');
    const node2 = run.membership().filter((r) => r.node === 'node2' && r.ok && after(run, 'restart-behind')(r));
    expect(node2.length).toBeGreaterThan(3);
    expect(node2.every((r) => r.peers.length === 0 && Math.abs(offset(r) + 2 * 3_600_000) < 60_000)).toBe(true);
    const node2Alerts = run.alerts().filter((a) => a.node === 'node2' && after(run, 'restart-behind')(a));
    expect(node2Alerts.some((a) => a.direction === 'generated' && a.class === 'certificate-expired')).toBe(true);
  });
});

describe('erlang-membership-metrics', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('erlang-membership-metrics');
  });
  const metrics = () => run.records.filter((r): r is MetricsRecord => r.kind === 'metrics');
  const ca = (r: MetricsRecord) => r.values['certdrill_certificate_expiry_seconds{certificate="ca"}']!;

  it("counts the CA's remaining life down as the clocks advance", () => {
    const at = (stepId: string, nextId: string) => metrics().filter((r) => after(run, stepId)(r) && before(run, nextId)(r));
    expect(at('ca-10-days-left', 'ca-6-days-left').every((r) => Math.abs(ca(r) - 10 * 86_400) < 120)).toBe(true);
    expect(at('ca-6-days-left', 'ca-expired').every((r) => Math.abs(ca(r) - 6 * 86_400) < 120)).toBe(true);
    expect(at('ca-expired', 'restart-node3').every((r) => ca(r) < 0)).toBe(true);
  });

  it('exports the membership the probes see: whole until the restart, broken after', () => {
    const connected = metrics().filter((r) => after(run, 'full-mesh')(r) && before(run, 'restart-node3')(r));
    expect(connected.length).toBeGreaterThan(9);
    expect(connected.every((r) => r.values.certdrill_connected_peers === 2 && r.values.certdrill_expected_cluster_size === 3)).toBe(true);
    const node3 = metrics().filter((r) => r.node === 'node3' && after(run, 'restart-node3')(r));
    expect(node3.length).toBeGreaterThan(3);
    expect(node3.every((r) => r.values.certdrill_connected_peers === 0)).toBe(true);
  });
});

describe('erlang-ca-rotation', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('erlang-ca-rotation');
  });

  it('naive: a node on the new CA cannot rejoin until all are on it', () => {
    expect(run.step('naive-node1-mesh').outcome).toBe('timeout');
    const node1 = run.membership().filter((r) => r.node === 'node1' && r.ok && after(run, 'naive-node1')(r) && before(run, 'naive-node2')(r));
    expect(node1.length).toBeGreaterThan(3);
    expect(node1.every((r) => r.peers.length === 0)).toBe(true);
    expect(run.step('naive-done').outcome).toBe('met');
  });

  it('overlap: every node rejoins after each restart, and the CA is rolled', () => {
    const waits = run.records.filter((r) => r.kind === 'step' && r.id.startsWith('overlap-') && r.id.endsWith('-mesh'));
    expect(waits).toHaveLength(9);
    expect(waits.every((w) => w.kind === 'step' && w.outcome === 'met')).toBe(true);
    expect(run.result.expectations.map((e) => [e.id, e.result.verdict])).toEqual([
      ['naive-splits', 'pass'],
      ['overlap-never-below-one-restart', 'pass'],
      ['both-end-whole', 'pass'],
    ]);
  });

  it('leaves nothing behind', async () => {
    expect(await certdrillLeftovers()).toEqual({ containers: [], networks: [], volumes: [] });
  });
});

describeErlangRestartAfterExpiry('docker');
describeErlangPreflight('docker');
