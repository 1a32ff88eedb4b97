import { beforeAll, describe, expect, it } from 'vitest';
import { certdrillLeftovers, NOTHING_LEFT } from '../support/leftovers.js';
import { after, before, recordRun, type RecordedRun } from '../support/run-scenario.js';

/**
 * The toy workload (src/workload/toy/), a workload added as one folder: its
 * scenario, loaded from that folder, run for real on Docker (openssl
 * s_server and s_client under libfaketime). Every assertion reads what the
 * run's timeline recorded.
 */

const RESTARTED = 'node3';
const OTHERS = ['node1', 'node2'];

describe('toy-cert-expiry', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('toy-cert-expiry');
  });

  it('forms a full mesh over mutual TLS before the restart', () => {
    const earlier = run.membership().filter(before(run, `restart-${RESTARTED}`));
    for (const node of [...OTHERS, RESTARTED]) {
      const peers = [...OTHERS, RESTARTED].filter((n) => n !== node).sort();
      expect(
        earlier.some((r) => r.node === node && r.ok && [...r.peers].sort().join() === peers.join()),
        `${node} saw ${peers.join(', ')}`,
      ).toBe(true);
    }
  });

  it('leaves the node restarted with an expired certificate alone, the others still seeing each other', () => {
    const later = run.membership().filter(after(run, `restart-${RESTARTED}`));
    const restarted = later.filter((r) => r.node === RESTARTED && r.ok);
    expect(restarted.length).toBeGreaterThanOrEqual(2);
    expect(restarted.every((r) => r.peers.length === 0)).toBe(true);
    for (const node of OTHERS) {
      const samples = later.filter((r) => r.node === node && !r.noAnswer);
      expect(samples.length).toBeGreaterThanOrEqual(2);
      expect(samples.every((r) => r.ok && !r.peers.includes(RESTARTED) && r.peers.includes(OTHERS.find((o) => o !== node)!))).toBe(true);
    }
  });

  it('has the others reject its certificate as expired, and it receives their certificate_expired alerts', () => {
    const alerts = run.alerts().filter(after(run, `restart-${RESTARTED}`));
    for (const node of OTHERS) {
      const generated = alerts.filter((a) => a.node === node && a.class === 'certificate-expired' && a.direction === 'generated');
      // As client (its server certificate) and as server (its client certificate).
      expect(new Set(generated.map((a) => a.side)), node).toEqual(new Set(['client', 'server']));
    }
    const received = alerts.filter((a) => a.node === RESTARTED && a.class === 'certificate-expired' && a.direction === 'received');
    expect(received.length).toBeGreaterThan(0);
    // Nobody rejected the valid certificates of node1 and node2.
    expect(alerts.filter((a) => a.direction === 'generated' && a.node === RESTARTED)).toEqual([]);
  });

  it('reports what the nodes run, as they report it', () => {
    const versions = run.records.find((r) => r.kind === 'versions');
    expect(versions?.kind === 'versions' && Object.keys(versions.versions).sort()).toEqual(['libfaketime', 'openssl']);
  });

  it('leaves no container, network or volume behind', async () => {
    // The run's objects carry this process's id; other certdrill runs may share the engine meanwhile.
    expect(await certdrillLeftovers('docker', { pids: [process.pid] })).toEqual(NOTHING_LEFT.docker);
  });
});
