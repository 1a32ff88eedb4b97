import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../src/observe/records.js';
import type { PlatformName } from '../../src/platform/index.js';
import { certdrillLeftovers, NOTHING_LEFT } from '../support/leftovers.js';
import { ms, recordRun, type RecordedRun } from '../support/run-scenario.js';

/**
 * Real runs of the two kops etcd incident scenarios, on the platform given:
 * the same assertions on docker and on kind. Every one reads the run's timeline.
 */

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
const YEAR_MS = 365 * 86_400_000;
const perMember = <T extends { node: string }>(records: T[]) => MEMBERS.map((m) => records.filter((r) => r.node === m));

export function describeEtcdPeerCertsExpired(platform: PlatformName): void {
  describe(`etcd-peer-certs-expired on ${platform}`, () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('etcd-peer-certs-expired', platform);
  });

  it('records the incident\'s two log lines as alerts', () => {
    const texts = run.alerts().map((a) => a.text);
    expect(texts.some((t) => t.includes('remote error: tls: bad certificate'))).toBe(true);
    expect(texts.some((t) => t.includes('certificate has expired or is not yet valid'))).toBe(true);
    const rejected = run.alerts().find((a) => a.text.includes('embed: rejected connection from'));
    expect(rejected?.class).toBe('bad-certificate');
  });

  it('sees every member Unhealthy in every health sample, in both views', () => {
    for (const view of ['apiserver', 'etcdctl'] as const) {
      for (const samples of perMember(run.health(view))) {
        expect(samples.length).toBeGreaterThanOrEqual(2);
        expect(samples.every((s) => !s.healthy)).toBe(true);
      }
    }
    expect(run.health('etcdctl').every((s) => s.leader === undefined)).toBe(true);
  });

  it('reports the peer certificates as openssl made them under faketime, and every expectation as it found it', () => {
    expect(run.findings).toMatch(/\| etcd-a peer \| peers\/me\.crt of etcd-a \|.*\| 2019-11-05 23:26:23 UTC \| 2020-11-06 23:26:23 UTC \| expired \| openssl under faketime '2019-11-05 23:26:23', -days 367 \|/);
    expect(run.result.expectations.every((e) => e.result.verdict === 'pass')).toBe(true);
  });

  it('keeps the member keys 0600 in the run folder and leaves nothing behind', async () => {
    expect((await stat(join(run.outDir, 'pki', 'etcd-a-peer.key'))).mode & 0o777).toBe(0o600);
    expect(run.findings).not.toContain('PRIVATE KEY');
    expect(await certdrillLeftovers(platform)).toEqual(NOTHING_LEFT[platform]);
  });
});
}

export function describeEtcdManagerRestartRecovers(platform: PlatformName): void {
  describe(`etcd-manager-restart-recovers on ${platform}`, () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('etcd-manager-restart-recovers', platform);
  });
  const certificates = () => run.records.filter((r): r is CertificateRecord => r.kind === 'certificate');

  it('legacy: Unhealthy through the plain wait, then Healthy after etcd-manager regenerates the certificates', () => {
    const restart = run.step('restart-manager');
    const legacy = run.health('apiserver').filter((s) => MEMBERS.includes(s.node));
    const before = legacy.filter((s) => ms(s.t) < ms(restart.startedAt));
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.every((s) => !s.healthy)).toBe(true);
    const regenerated = certificates().filter((c) => MEMBERS.includes(c.node));
    expect(regenerated).toHaveLength(6);
    for (const c of regenerated) {
      expect(ms(c.t)).toBeGreaterThanOrEqual(ms(restart.startedAt));
      expect(ms(c.notAfter) - ms(c.notBefore)).toBe(YEAR_MS);
    }
    expect(run.step('legacy-healthy').outcome).toBe('met');
    const end = legacy.filter((s) => ms(s.t) > ms(run.step('legacy-healthy').t) && !s.noAnswer);
    expect(end.length).toBeGreaterThanOrEqual(3);
    expect(end.every((s) => s.healthy)).toBe(true);
  });

  it('renewing: re-issues the expired certificates at start and is never Unhealthy once formed', () => {
    const renewing = ['etcd-r1', 'etcd-r2', 'etcd-r3'];
    const reissued = certificates().filter((c) => renewing.includes(c.node));
    expect(reissued).toHaveLength(6);
    expect(reissued.every((c) => ms(c.t) < ms(run.step('renewing-healthy').t))).toBe(true);
    // Every answer Healthy; a probe that got no answer is no answer (and would make the verdict UNKNOWN, not FAIL).
    const formed = run.health('apiserver').filter((s) => renewing.includes(s.node) && ms(s.t) > ms(run.step('renewing-healthy').t));
    const answered = formed.filter((s) => !s.noAnswer);
    expect(answered.length).toBeGreaterThanOrEqual(6);
    expect(answered.every((s) => s.healthy)).toBe(true);
    const verdict = run.result.expectations.find((e) => e.id === 'renewing-never-unhealthy')!.result.verdict;
    expect(verdict).toBe(answered.length === formed.length ? 'pass' : 'unknown');
  });
});
}

/** The kops incident in time: certdrill-clock jumps every member's (Go) clock a year and a day. */
export function describeEtcdCertsExpireInTime(platform: PlatformName): void {
  describe(`etcd-certs-expire-in-time on ${platform}`, () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun('etcd-certs-expire-in-time', platform);
    });
    const DAY_MS = 86_400_000;

    it('etcd\'s own log stamps run 366 days ahead after the jump, on every member', () => {
      const jumped = ms(run.step('year-passes').t);
      for (const lines of perMember(run.records.filter((r) => (r.kind === 'log' || r.kind === 'alert') && r.nodeTime && ms(r.t) > jumped) as { node: string; t: string; nodeTime: string }[])) {
        expect(lines.length).toBeGreaterThan(0);
        for (const r of lines) expect(Math.abs(ms(r.nodeTime) - ms(r.t) - 366 * DAY_MS)).toBeLessThan(60_000);
      }
    });

    it('records the incident\'s lines and the API server\'s view Unhealthy for the expired certificate, after the jump only', () => {
      const jumped = ms(run.step('year-passes').t);
      const texts = run.alerts().filter((a) => ms(a.t) > jumped).map((a) => a.text);
      expect(texts.some((t) => t.includes('x509: certificate has expired or is not yet valid'))).toBe(true);
      expect(texts.some((t) => t.includes('remote error: tls: bad certificate'))).toBe(true);
      expect(run.alerts().filter((a) => ms(a.t) < ms(run.step('year-passes').startedAt) && a.text.includes('certificate has expired'))).toEqual([]);
      const year = run.health('apiserver').filter((s) => ms(s.t) > jumped && ms(s.t) < ms(run.step('reboot').startedAt));
      expect(year.length).toBeGreaterThanOrEqual(3);
      expect(year.every((s) => !s.healthy && (s.noAnswer || s.error?.includes('certificate has expired')))).toBe(true);
    });

    it('is Healthy again once etcd-manager re-issued the certificates by the members\' clock', () => {
      const restart = run.step('restart-manager');
      const issued = run.records.filter((r): r is CertificateRecord => r.kind === 'certificate' && ms(r.t) >= ms(restart.startedAt));
      expect(issued).toHaveLength(6);
      for (const cert of issued) expect(Math.abs(ms(cert.notBefore) - ms(cert.t) - 366 * DAY_MS)).toBeLessThan(3_600_000);
      expect(run.step('recovered').outcome).toBe('met');
      const after = run.health('apiserver').filter((s) => ms(s.t) > ms(run.step('recovered').t));
      expect(after.length).toBeGreaterThanOrEqual(3);
      expect(after.every((s) => s.healthy)).toBe(true);
    });

    it('leaves nothing behind', async () => {
      expect(await certdrillLeftovers(platform)).toEqual(NOTHING_LEFT[platform]);
    });
  });
}
