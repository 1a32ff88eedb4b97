import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRecord, LogRecord } from '../../src/observe/records.js';
import type { PlatformName } from '../../src/platform/index.js';
import { caNotAfterOf } from '../../src/workload/erlang/index.js';
import { after, before, ms, recordRun, type RecordedRun } from '../support/run-scenario.js';

/**
 * Real runs of two Erlang incident scenarios, on the platform given: the same
 * assertions on docker and on kind. Every one reads the run's timeline.
 */

const DAY_MS = 86_400_000;

export function describeErlangRestartAfterExpiry(platform: PlatformName): void {
  describe(`erlang-restart-after-expiry on ${platform}`, () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun('erlang-restart-after-expiry', platform);
    });

    it("stays whole six days past the CA's expiry until the pods restart, then every node is alone", () => {
      const firstRestart = Math.min(...['node1', 'node2', 'node3'].map((n) => ms(run.step(`restart-${n}`).startedAt)));
      const whole = run.membership().filter((r) => after(run, 'jump-clocks')(r) && ms(r.t) < firstRestart);
      expect(whole.length).toBeGreaterThan(6);
      expect(whole.every((r) => r.ok && r.peers.length === 2 && ms(r.nodeTime!) > ms(caNotAfterOf(r)!) + 5 * DAY_MS)).toBe(true);
      const lastRestart = Math.max(...['node1', 'node2', 'node3'].map((n) => ms(run.step(`restart-${n}`).t)));
      const later = run.membership().filter((r) => ms(r.t) > lastRestart && r.ok);
      expect(later.length).toBeGreaterThan(9);
      expect(later.every((r) => r.peers.length === 0)).toBe(true);
    });

    it("restarts every node with a certificate issued at its clock's present by the expired CA", () => {
      const issued = run.records.filter((r): r is CertificateRecord => r.kind === 'certificate');
      expect(issued.map((c) => c.node).sort()).toEqual(['node1', 'node2', 'node3']);
      const caNotAfter = ms(run.membership().map(caNotAfterOf).find(Boolean)!);
      for (const c of issued) expect(ms(c.notBefore)).toBeGreaterThan(caNotAfter + 5 * DAY_MS);
    });
  });
}

export function describeErlangPreflight(platform: PlatformName): void {
  describe(`erlang-preflight on ${platform}`, () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun('erlang-preflight', platform);
    });
    const preflight = (node: string) => run.records.filter((r): r is LogRecord => r.kind === 'log' && r.topic === 'preflight' && r.node === node);

    it('refuses within the margin, passes with a narrower one', () => {
      const [refused, ok] = preflight('node1');
      expect(refused!.text).toMatch(/^certdrill preflight: refusing to start: CA CN=cluster-ca expires at \S+, within the 3456000 s margin/);
      expect(ok!.text).toMatch(/^certdrill preflight: ok: /);
      const between = run
        .membership()
        .filter((r) => r.node === 'node1' && after(run, 'preflight-wide-margin')(r) && before(run, 'preflight-narrow-margin')(r));
      expect(between.length).toBeGreaterThan(1);
      expect(between.every((r) => !r.ok)).toBe(true);
    });

    it('after the CA expired: loud with the check (never starts), silent without it (starts, alone)', () => {
      expect(preflight('node3').map((l) => l.text)).toEqual([
        expect.stringMatching(/^certdrill preflight: refusing to start: CA CN=cluster-ca expired at /),
      ]);
      const node3 = run.membership().filter((r) => r.node === 'node3' && after(run, 'restart-loud')(r));
      expect(node3.length).toBeGreaterThan(3);
      expect(node3.every((r) => !r.ok)).toBe(true);
      expect(preflight('node2')).toEqual([]);
      const node2 = run.membership().filter((r) => r.node === 'node2' && r.ok && after(run, 'restart-silent')(r));
      expect(node2.length).toBeGreaterThan(3);
      expect(node2.every((r) => r.peers.length === 0)).toBe(true);
    });
  });
}
