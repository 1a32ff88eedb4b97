import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, ClockRecord, StepRecord } from '../../src/observe/records.js';
import type { MembershipSample } from '../../src/workload/membership-view.js';
import type { ClusterOptions, PlatformName } from '../../src/platform/index.js';
import { certdrillLeftovers, NOTHING_LEFT } from '../support/leftovers.js';
import { recordRun, type RecordedRun } from '../support/run-scenario.js';

/**
 * A real erlang-ca-expiry run: three erl nodes over inet_tls, real
 * libfaketime, real certificates, on the platform given (the same scenario,
 * unchanged, on docker and on kind). Every assertion reads what the run's
 * timeline recorded.
 */

const NODES = ['node1', 'node2', 'node3'];
const DAY_MS = 86_400_000;
const INCIDENT_LINE = 'received CLIENT ALERT: Fatal - Certificate Expired';

const ms = (t: string) => Date.parse(t);
/** How far the node's own clock was from real time when it answered. */
const clockOffsetMs = (r: MembershipSample) => ms(r.nodeTime!) - ms(r.t);

/** `cluster`: on kubernetes, the cluster's options, asked for once the test's set-up has made them. */
export function describeErlangCaExpiry(platform: PlatformName, cluster?: () => ClusterOptions): void {
  let run: RecordedRun;
  const records = () => run.records;
  const membership = () => run.membership();
  const step = (id: string): StepRecord => run.step(id);

  describe(`erlang-ca-expiry on ${platform}`, () => {
    beforeAll(async () => {
      run = await recordRun('erlang-ca-expiry', platform, cluster?.());
    });

    it('forms the full mesh at real time before the clocks jump', () => {
      const jump = step('jump-clocks');
      const before = membership().filter((r) => ms(r.t) < ms(jump.startedAt));
      for (const node of NODES) {
        const last = before.filter((r) => r.node === node).at(-1);
        expect(last, `${node} has a sample before the jump`).toBeDefined();
        expect(last!.peers.sort()).toEqual(NODES.filter((n) => n !== node));
        expect(Math.abs(clockOffsetMs(last!))).toBeLessThan(60_000);
      }
    });

    it("moves every running node's clock +31 days without restarting it", () => {
      const jump = step('jump-clocks');
      const clocks = records().filter((r): r is ClockRecord => r.kind === 'clock');
      expect(clocks.map((c) => c.node).sort()).toEqual(NODES);
      const restart = step('restart-node3');
      for (const node of NODES) {
        const after = membership().filter((r) => r.node === node && r.ok && ms(r.t) > ms(jump.t) && ms(r.t) < ms(restart.startedAt));
        expect(after.length, `${node} answered after the jump`).toBeGreaterThan(2);
        for (const sample of after) expect(Math.abs(clockOffsetMs(sample) - 31 * DAY_MS)).toBeLessThan(60_000);
      }
    });

    it('keeps the connected nodes connected after the CA expires on their clocks', () => {
      const jump = step('jump-clocks');
      const restart = step('restart-node3');
      const window = membership().filter((r) => ms(r.t) > ms(jump.t) && ms(r.t) < ms(restart.startedAt));
      expect(window.every((r) => r.ok && r.peers.length === NODES.length - 1)).toBe(true);
    });

    it('leaves the restarted node alone, its clock still +31 days', () => {
      const restart = step('restart-node3');
      const after = membership().filter((r) => ms(r.t) > ms(restart.t));
      const node3 = after.filter((r) => r.node === 'node3' && r.ok);
      // The window ends once every node has held its state for 4 samples.
      expect(node3.length).toBeGreaterThanOrEqual(4);
      expect(node3.every((r) => r.peers.length === 0)).toBe(true);
      expect(node3.every((r) => Math.abs(clockOffsetMs(r) - 31 * DAY_MS) < 60_000)).toBe(true);
      const others = after.filter((r) => r.node !== 'node3' && r.ok);
      expect(others.every((r) => !r.peers.includes('node3'))).toBe(true);
      expect(others.at(-1)!.peers).toHaveLength(1);
    });

    it('records the TLS alerts the dialled nodes logged, verbatim and classified', () => {
      const restart = step('restart-node3');
      const alerts = records().filter((r): r is AlertRecord => r.kind === 'alert' && ms(r.t) > ms(restart.startedAt));
      for (const node of ['node1', 'node2']) {
        const received = alerts.filter((a) => a.node === node && a.text.includes(INCIDENT_LINE));
        expect(received.length, `${node} logged the incident line`).toBeGreaterThan(0);
        expect(received[0]).toMatchObject({ class: 'certificate-expired', side: 'server', direction: 'received' });
        expect(Math.abs(ms(received[0]!.nodeTime!) - ms(received[0]!.t) - 31 * DAY_MS)).toBeLessThan(60_000);
      }
      const before = records().filter((r) => r.kind === 'alert' && ms(r.t) < ms(step('jump-clocks').startedAt));
      expect(before).toEqual([]);
    });

    it('judges every expectation from that timeline and writes the findings', () => {
      expect(run.result.outcome).toBe('completed');
      const verdicts = Object.fromEntries(run.result.expectations.map((e) => [e.id, e.result.verdict]));
      expect(verdicts).toEqual({
        'mesh-before-jump': 'pass',
        'connected-stay-connected': 'pass',
        'restarted-stays-alone': 'pass',
        'dialed-nodes-log-expired': 'pass',
      });
      const findings = run.findings;
      for (const id of Object.keys(verdicts)) expect(findings).toContain(`### ${id}`);
      expect(findings).toContain(INCIDENT_LINE);
      expect(findings).not.toContain('PRIVATE KEY');
    });

    it('keeps private keys in the run folder with mode 0600', async () => {
      for (const name of ['cluster-ca', ...NODES]) {
        expect((await stat(join(run.outDir, 'pki', `${name}.key`))).mode & 0o777).toBe(0o600);
      }
    });

    it('leaves nothing behind', async () => {
      expect(await certdrillLeftovers(platform)).toEqual(NOTHING_LEFT[platform]);
    });
  });
}
