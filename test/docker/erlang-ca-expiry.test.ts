import { readFile, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, ClockRecord, MembershipRecord, StepRecord, TimelineRecord } from '../../src/observe/records.js';
import { parseTimeline } from '../../src/observe/timeline.js';
import { findScenario } from '../../src/scenario/registry.js';
import { runScenario, type RunResult } from '../../src/scenario/runner.js';
import { certdrillLeftovers } from '../support/docker-leftovers.js';

/**
 * The real erlang-ca-expiry run on Docker: three erl nodes over inet_tls,
 * real libfaketime, real certificates. Every assertion reads what the run's
 * timeline recorded.
 */

const NODES = ['node1', 'node2', 'node3'];
const DAY_MS = 86_400_000;
const INCIDENT_LINE = 'received CLIENT ALERT: Fatal - Certificate Expired';

let outDir: string;
let result: RunResult;
let records: TimelineRecord[];

const ms = (t: string) => Date.parse(t);
const membership = () => records.filter((r): r is MembershipRecord => r.kind === 'membership');
const step = (id: string) => {
  const found = records.find((r): r is StepRecord => r.kind === 'step' && r.id === id);
  if (!found) throw new Error(`no step ${id} in the timeline`);
  return found;
};
/** How far the node's own clock was from real time when it answered. */
const clockOffsetMs = (r: MembershipRecord) => ms(r.nodeTime!) - ms(r.t);

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'certdrill-erlang-ca-expiry-'));
  const lines: string[] = [];
  result = await runScenario({ scenario: await findScenario('erlang-ca-expiry'), platform: 'docker', outDir, progress: (l) => lines.push(l) });
  if (result.error) throw new Error(`the run failed: ${result.error.message}\n${lines.join('\n')}`);
  records = parseTimeline(await readFile(join(outDir, 'timeline.jsonl'), 'utf8'));
});

describe('erlang-ca-expiry on docker', () => {
  it('forms the full mesh at real time before the clocks jump', () => {
    const jump = step('jump-clocks');
    const before = membership().filter((r) => ms(r.t) < ms(jump.startedAt));
    for (const node of NODES) {
      const last = before.filter((r) => r.node === node).at(-1);
      expect(last, `${node} has a sample before the jump`).toBeDefined();
      expect(last!.sees.sort()).toEqual(NODES.filter((n) => n !== node));
      expect(Math.abs(clockOffsetMs(last!))).toBeLessThan(60_000);
    }
  });

  it('moves every running node\'s clock +31 days without restarting it', () => {
    const jump = step('jump-clocks');
    const clocks = records.filter((r): r is ClockRecord => r.kind === 'clock');
    expect(clocks.map((c) => c.node).sort()).toEqual(NODES);
    const restart = step('restart-node3');
    for (const node of NODES) {
      const after = membership().filter((r) => r.node === node && r.up && ms(r.t) > ms(jump.t) && ms(r.t) < ms(restart.startedAt));
      expect(after.length, `${node} answered after the jump`).toBeGreaterThan(2);
      for (const sample of after) expect(Math.abs(clockOffsetMs(sample) - 31 * DAY_MS)).toBeLessThan(60_000);
    }
  });

  it('keeps the connected nodes connected after the CA expires on their clocks', () => {
    const jump = step('jump-clocks');
    const restart = step('restart-node3');
    const window = membership().filter((r) => ms(r.t) > ms(jump.t) && ms(r.t) < ms(restart.startedAt));
    expect(window.every((r) => r.up && r.sees.length === NODES.length - 1)).toBe(true);
  });

  it('leaves the restarted node alone, its clock still +31 days', () => {
    const restart = step('restart-node3');
    const after = membership().filter((r) => ms(r.t) > ms(restart.t));
    const node3 = after.filter((r) => r.node === 'node3' && r.up);
    expect(node3.length).toBeGreaterThan(5);
    expect(node3.every((r) => r.sees.length === 0)).toBe(true);
    expect(node3.every((r) => Math.abs(clockOffsetMs(r) - 31 * DAY_MS) < 60_000)).toBe(true);
    const others = after.filter((r) => r.node !== 'node3' && r.up);
    expect(others.every((r) => !r.sees.includes('node3'))).toBe(true);
    expect(others.at(-1)!.sees).toHaveLength(1);
  });

  it('records the TLS alerts the dialled nodes logged, verbatim and classified', () => {
    const restart = step('restart-node3');
    const alerts = records.filter((r): r is AlertRecord => r.kind === 'alert' && ms(r.t) > ms(restart.startedAt));
    for (const node of ['node1', 'node2']) {
      const received = alerts.filter((a) => a.node === node && a.text.includes(INCIDENT_LINE));
      expect(received.length, `${node} logged the incident line`).toBeGreaterThan(0);
      expect(received[0]).toMatchObject({ class: 'certificate-expired', side: 'server', direction: 'received' });
      expect(Math.abs(ms(received[0]!.nodeTime!) - ms(received[0]!.t) - 31 * DAY_MS)).toBeLessThan(60_000);
    }
    const before = records.filter((r) => r.kind === 'alert' && ms(r.t) < ms(step('jump-clocks').startedAt));
    expect(before).toEqual([]);
  });

  it('judges every expectation from that timeline and writes the findings', async () => {
    expect(result.outcome).toBe('completed');
    const verdicts = Object.fromEntries(result.expectations.map((e) => [e.id, e.result.pass]));
    expect(verdicts).toEqual({
      'mesh-before-jump': true,
      'connected-stay-connected': true,
      'restarted-stays-alone': true,
      'dialed-nodes-log-expired': true,
    });
    const findings = await readFile(join(outDir, 'findings.md'), 'utf8');
    for (const id of Object.keys(verdicts)) expect(findings).toContain(`### ${id}`);
    expect(findings).toContain(INCIDENT_LINE);
    expect(findings).not.toContain('PRIVATE KEY');
  });

  it('keeps private keys in the run folder with mode 0600', async () => {
    for (const name of ['cluster-ca', ...NODES]) {
      expect((await stat(join(outDir, 'pki', `${name}.key`))).mode & 0o777).toBe(0o600);
    }
  });

  it('leaves no container or network behind', async () => {
    expect(await certdrillLeftovers()).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
