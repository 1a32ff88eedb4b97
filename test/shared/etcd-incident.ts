import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, CertificateRecord, LogRecord, StepRecord } from '../../src/observe/records.js';
import type { ClusterOptions, PlatformName } from '../../src/platform/index.js';
import { certdrillLeftovers, NOTHING_LEFT } from '../support/leftovers.js';
import { ms, recordRun, type RecordedRun } from '../support/run-scenario.js';
import { RAFT_ELECTION } from '../../src/workload/etcd/view.js';

/**
 * Real runs of the two kops etcd incident scenarios, on the platform given:
 * the same assertions on docker and on kind. Every one reads the run's timeline.
 */

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
const YEAR_MS = 365 * 86_400_000;
const perMember = <T extends { node: string }>(records: T[]) => MEMBERS.map((m) => records.filter((r) => r.node === m));
/**
 * When a certificate change was seen: when its read ended. A read sent just before a step may find what the step
 * wrote (on a busy host the probe's script starts late, as in a CI run here), so a change is placed by `t`, never
 * by `sentAt`.
 */
const seenAt = (c: CertificateRecord) => ms(c.t);

/** `cluster`: on kubernetes, the cluster's options, asked for once the test's set-up has made them. */
export function describeEtcdPeerCertsExpired(platform: PlatformName, cluster?: () => ClusterOptions): void {
  describe(`etcd-peer-certs-expired on ${platform}`, () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun('etcd-peer-certs-expired', platform, cluster?.());
    });

    it("records the incident's two log lines as alerts", () => {
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
          expect(samples.every((s) => !s.ok)).toBe(true);
        }
      }
      expect(run.health('etcdctl').every((s) => s.attributes?.leader === undefined)).toBe(true);
    });

    it('reports the peer certificates as openssl made them under faketime, and every expectation as it found it', () => {
      expect(run.findings).toMatch(
        /\| etcd-a peer \| peers\/me\.crt of etcd-a, hand-issued \|.*\| 2019-11-05 23:26:23 UTC \| 2020-11-06 23:26:23 UTC \| expired \| openssl under faketime '2019-11-05 23:26:23', -days 367 \|/,
      );
      expect(run.result.expectations.every((e) => e.result.verdict === 'pass')).toBe(true);
    });

    it('keeps the member keys 0600 in the run folder and leaves nothing behind', async () => {
      expect((await stat(join(run.outDir, 'pki', 'etcd-a-peer.key'))).mode & 0o777).toBe(0o600);
      expect(run.findings).not.toContain('PRIVATE KEY');
      expect(await certdrillLeftovers(platform)).toEqual(NOTHING_LEFT[platform]);
    });
  });
}

/**
 * The kops incident in time on the real etcd-manager 3.0.20200116: certdrill-clock
 * jumps every master's Go clocks (etcd-manager, etcd, kube-apiserver) a year and a day.
 */
export function describeEtcdCertsExpireInTime(platform: PlatformName): void {
  describe(`etcd-certs-expire-in-time on ${platform}`, () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun('etcd-certs-expire-in-time', platform);
    });
    const DAY_MS = 86_400_000;
    const certificates = () => run.records.filter((r): r is CertificateRecord => r.kind === 'certificate');
    /** Where a member's held certificate appeared or changed (not the restatements after each step). */
    const held = (file: string) => certificates().filter((r) => r.source === 'held' && !r.unchanged && r.role.startsWith(file));
    const cs = () => run.health('componentstatus');

    it("logs etcd-manager's own lines and kube-apiserver's beside etcd's", async () => {
      const log = await readFile(join(run.outDir, 'logs', 'etcd-a.log'), 'utf8');
      expect(log).toMatch(/^I\d{4} [\d:.]+\s+\d+ pki\.go:\d+\] generating peer keypair for etcd/m);
      expect(log).toMatch(/^kube-apiserver: I\d{4} .*Version: v1\./m);
      expect(run.findings).toMatch(/etcd-0 (Healthy ok|Unhealthy)/);
    });

    it("holds the one-year member certificates etcd-manager issued at start, by the members' clock", () => {
      const jumped = ms(run.step('year-passes').startedAt);
      for (const file of ['peers/me.crt', 'clients/server.crt']) {
        const first = perMember(held(file).filter((c) => ms(c.t) < jumped));
        for (const [c] of first) {
          expect(c).toBeDefined();
          expect(Math.abs(ms(c!.notAfter) - ms(c!.t) - YEAR_MS)).toBeLessThan(DAY_MS);
        }
      }
    });

    it('kubectl get cs: Healthy before the jump, then the seed\'s "etcd-0 Unhealthy" on every member, and still after the plain restart', () => {
      const jumped = ms(run.step('year-passes').t);
      const removed = ms(run.step('remove-certificates').startedAt);
      const before = cs().filter((s) => ms(s.t) > ms(run.step('healthy').t) && ms(s.t) < ms(run.step('year-passes').startedAt));
      expect(before.length).toBeGreaterThanOrEqual(3);
      expect(before.every((s) => s.ok && s.error?.startsWith('etcd-0 Healthy'))).toBe(true);
      // Sent after the jump: one sent before it may answer for the state before it.
      for (const samples of perMember(cs().filter((s) => ms(s.sentAt ?? s.t) > jumped && ms(s.t) < removed && !s.noAnswer))) {
        expect(samples.length).toBeGreaterThanOrEqual(2);
        expect(samples.every((s) => !s.ok)).toBe(true);
        expect(samples.some((s) => s.error?.startsWith('etcd-0 Unhealthy'))).toBe(true);
      }
    });

    it('keeps the expired member certificates across the plain restart, and writes new one-year ones once they are deleted', () => {
      const restart = ms(run.step('restart-manager').startedAt);
      const removed = ms(run.step('remove-certificates').startedAt);
      for (const file of ['peers/me.crt', 'clients/server.crt']) {
        expect(held(file).filter((c) => ms(c.t) > restart && ms(c.t) < removed)).toEqual([]);
        for (const fresh of perMember(held(file).filter((c) => ms(c.t) > removed))) {
          expect(fresh.length).toBeGreaterThanOrEqual(1);
          expect(Math.abs(ms(fresh[0]!.notAfter) - ms(fresh[0]!.t) - 366 * DAY_MS - YEAR_MS)).toBeLessThan(DAY_MS);
        }
      }
      expect(run.step('recovered').outcome).toBe('met');
      const after = run
        .health('apiserver')
        .filter((s) => ms(s.t) > ms(run.step('recovered').t) && ms(s.t) < ms(run.step('remove-manager-certificates').startedAt) && !s.noAnswer);
      expect(after.length).toBeGreaterThanOrEqual(3);
      expect(after.every((s) => s.ok)).toBe(true);
    });

    it('says which certificate each member kept through the plain restart: the one in force then, not the one written after the removal', () => {
      const kept = run.result.expectations.find((e) => e.id === 'restart-keeps-expired-certificates')!.result;
      const restart = ms(run.step('restart-manager').startedAt);
      for (const member of MEMBERS) {
        const first = held('peers/me.crt').find((c) => c.node === member && ms(c.t) < restart)!;
        expect(kept.observed).toContain(`${member} valid to ${first.notAfter}`);
      }
      const renewed = held('peers/me.crt').filter((c) => ms(c.t) > ms(run.step('remove-certificates').startedAt));
      for (const c of renewed) expect(kept.observed).not.toContain(c.notAfter);
    });

    it('records what every master holds and serves after each step, changed or not', () => {
      for (const id of ['year-passes', 'restart-manager', 'restart-after-removal']) {
        const step = run.step(id);
        const steps = run.records.filter((r): r is StepRecord => r.kind === 'step');
        const next = steps[steps.findIndex((r) => r.id === id) + 1];
        const after = certificates().filter((c) => ms(c.sentAt ?? c.t) > ms(step.t) && (!next || ms(c.t) <= ms(next.startedAt) + 60_000));
        for (const member of MEMBERS) {
          expect(
            after.some((c) => c.node === member && c.role.startsWith('served on :2380')),
            `${member} :2380 after ${id}`,
          ).toBe(true);
          expect(
            after.some((c) => c.node === member && c.role.startsWith('served on :4001')),
            `${member} :4001 after ${id}`,
          ).toBe(true);
          expect(
            after.some((c) => c.node === member && c.role.startsWith('peers/me.crt')),
            `${member} peers/me.crt after ${id}`,
          ).toBe(true);
        }
      }
    });

    it("reads the peers' rejections on peer lines, kube-apiserver's client dials apart", () => {
      const jumped = ms(run.step('year-passes').t);
      const after = run.alerts().filter((a) => ms(a.t) > jumped && ms(a.t) < ms(run.step('restart-manager').startedAt));
      for (const member of MEMBERS) {
        expect(
          after.some((a) => a.node === member && a.channel === 'peer' && a.text.includes('x509: certificate has expired or is not yet valid')),
        ).toBe(true);
      }
      expect(after.filter((a) => a.text.startsWith('kube-apiserver:')).every((a) => a.channel === 'client')).toBe(true);
      const peers = run.result.expectations.find((e) => e.id === 'peers-reject-after-year')!.result;
      expect(peers.verdict).toBe('pass');
      const shown = peers.evidence.filter((e): e is AlertRecord => typeof e === 'object' && e.kind === 'alert');
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.every((e) => e.channel === 'peer' || e.channel === 'remote')).toBe(true);
    });

    it("finds etcd-manager's own mesh without a leader after the volume's certificates are renewed, and led once its own are deleted too", () => {
      const leaderLines = (after: string, before?: string) =>
        run.records.filter(
          (r) =>
            r.kind === 'log' && r.text.includes('I am leader with token') && ms(r.t) > ms(after) && (before === undefined || ms(r.t) < ms(before)),
        );
      const broken = { after: run.step('restart-after-removal').t, before: run.step('remove-manager-certificates').startedAt };
      expect(ms(broken.before) - ms(broken.after)).toBeGreaterThan(25_000);
      expect(leaderLines(broken.after, broken.before)).toEqual([]);
      expect(
        run
          .alerts()
          .some(
            (a) => a.channel === 'manager' && a.text.includes('certificate has expired') && ms(a.t) > ms(broken.after) && ms(a.t) < ms(broken.before),
          ),
      ).toBe(true);
      const removed = run.step('remove-manager-certificates').startedAt;
      expect(leaderLines(removed).length).toBeGreaterThan(0);
      for (const fresh of perMember(
        certificates().filter((c) => !c.unchanged && c.role.startsWith('etcd-manager-server-') && ms(c.t) > ms(removed)),
      )) {
        expect(fresh.length).toBeGreaterThanOrEqual(1);
        expect(Math.abs(ms(fresh[0]!.notAfter) - ms(fresh[0]!.t) - 366 * DAY_MS - YEAR_MS)).toBeLessThan(DAY_MS);
      }
    });

    it("records the incident's lines after the jump only, and every expectation as found", () => {
      const jumped = ms(run.step('year-passes').t);
      const texts = run
        .alerts()
        .filter((a) => ms(a.t) > jumped)
        .map((a) => a.text);
      expect(texts.some((t) => t.includes('x509: certificate has expired or is not yet valid'))).toBe(true);
      expect(texts.some((t) => t.includes('remote error: tls: bad certificate'))).toBe(true);
      expect(run.alerts().filter((a) => ms(a.t) < ms(run.step('year-passes').startedAt) && a.text.includes('certificate has expired'))).toEqual([]);
      expect(run.result.expectations.map((e) => e.result.verdict).filter((v) => v === 'fail')).toEqual([]);
    });

    it('keeps keys out of the findings and leaves nothing behind', async () => {
      expect(run.findings).not.toContain('PRIVATE KEY');
      expect(await certdrillLeftovers(platform)).toEqual(NOTHING_LEFT[platform]);
    });
  });
}

/**
 * The seed's own case on the real etcd-manager 3.0.20200116: the masters'
 * root disks replaced half a year in, then the member certificates expire.
 */
export function describeEtcdMastersReplaced(platform: PlatformName): void {
  describe(`etcd-certs-expire-masters-replaced on ${platform}`, () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun('etcd-certs-expire-masters-replaced', platform);
    });
    const DAY_MS = 86_400_000;
    const changes = (role: string) =>
      run.records.filter((r): r is CertificateRecord => r.kind === 'certificate' && !r.unchanged && r.role.startsWith(role));
    const leaderLines = (after: string, before?: string) =>
      run.records.filter(
        (r) => r.kind === 'log' && r.text.includes('I am leader with token') && ms(r.t) > ms(after) && (before === undefined || ms(r.t) < ms(before)),
      );

    it('gives the replaced masters new etcd-manager certificates of their own, dated half a year on, and keeps the member certificates', () => {
      const replaced = ms(run.step('replace-root-disks').startedAt);
      const jumped = ms(run.step('year-passes').startedAt);
      // Reads sent after the removal: one under way then may find the files half replaced.
      for (const fresh of perMember(changes('etcd-manager-server-').filter((c) => ms(c.sentAt ?? c.t) > replaced && ms(c.t) < jumped))) {
        expect(fresh.length).toBeGreaterThanOrEqual(1);
        expect(Math.abs(ms(fresh[0]!.notAfter) - ms(fresh[0]!.t) - 183 * DAY_MS - YEAR_MS)).toBeLessThan(DAY_MS);
      }
      expect(changes('peers/me.crt').filter((c) => ms(c.t) > ms(run.step('boot-replaced-masters').t) && ms(c.t) < jumped)).toEqual([]);
    });

    it("a year on: get cs Unhealthy on every member while the managers' mesh keeps its leader", () => {
      const window = { after: run.step('year-passes').t, before: run.step('remove-certificates').startedAt };
      for (const samples of perMember(
        run.health('componentstatus').filter((s) => ms(s.sentAt ?? s.t) > ms(window.after) && ms(s.t) < ms(window.before) && !s.noAnswer),
      )) {
        expect(samples.length).toBeGreaterThanOrEqual(2);
        expect(samples.every((s) => !s.ok)).toBe(true);
      }
      expect(leaderLines(window.after, window.before).length).toBeGreaterThan(0);
    });

    it('comes back Healthy and led once the member certificates alone are deleted, and judges every expectation', () => {
      expect(run.step('recovered').outcome).toBe('met');
      expect(leaderLines(run.step('remove-certificates').startedAt).length).toBeGreaterThan(0);
      expect(run.result.expectations.map((e) => `${e.id} ${e.result.verdict}`).filter((v) => !v.endsWith(' pass'))).toEqual([]);
    });

    it('keeps keys out of the findings and leaves nothing behind', async () => {
      expect(run.findings).not.toContain('PRIVATE KEY');
      expect(await certdrillLeftovers(platform)).toEqual(NOTHING_LEFT[platform]);
    });
  });
}

/**
 * A fixed etcd-manager (3.0.20200428, or today's v3.0.20260707) left alone
 * for two years, then restarted: what the real binary renews, and when.
 */
export function describeEtcdManagerLeftAlone(
  platform: PlatformName,
  name: 'etcd-fixed-manager-left-alone' | 'etcd-current-manager-left-alone',
): void {
  describe(`${name} on ${platform}`, () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun(name, platform);
    });
    const DAY_MS = 86_400_000;
    const changes = (role: string) =>
      run.records.filter((r): r is CertificateRecord => r.kind === 'certificate' && !r.unchanged && r.role.startsWith(role));
    const roles = ['peers/me.crt', 'clients/server.crt', 'etcd-manager-server-'];

    it('issues two-year certificates at start, and changes none of them through two years of running', () => {
      const restart = ms(run.step('restart-manager').startedAt);
      for (const role of roles) {
        for (const [first, ...later] of perMember(changes(role).filter((c) => seenAt(c) < restart))) {
          expect(first, role).toBeDefined();
          expect(Math.abs(ms(first!.notAfter) - ms(first!.t) - 730 * DAY_MS), role).toBeLessThan(DAY_MS);
          expect(
            later.filter((c) => seenAt(c) > ms(run.step('healthy').t)),
            role,
          ).toEqual([]);
        }
      }
    });

    it('is Healthy a year on, and Unhealthy in get cs two years on with nothing restarted', () => {
      // A raft election's "leader changed" answers are not about certificates: the scenario sets them aside too (RAFT_ELECTION).
      const election = (s: { error?: string }) => RAFT_ELECTION.errors.some((e) => (s.error ?? '').includes(e));
      const answered = (view: 'apiserver' | 'componentstatus', from: string, to: string) =>
        run
          .health(view)
          .filter((s) => ms(s.sentAt ?? s.t) > ms(run.step(from).t) && ms(s.t) < ms(run.step(to).startedAt) && !s.noAnswer && !election(s));
      for (const samples of perMember(answered('componentstatus', 'year-passes', 'two-years-pass'))) {
        expect(samples.length).toBeGreaterThanOrEqual(2);
        expect(samples.every((s) => s.ok)).toBe(true);
      }
      for (const samples of perMember(answered('componentstatus', 'two-years-pass', 'restart-manager'))) {
        expect(samples.length).toBeGreaterThanOrEqual(2);
        expect(samples.every((s) => !s.ok)).toBe(true);
      }
    });

    it('renews every certificate, its own in --pki-dir too, when etcd-manager restarts, and comes back Healthy and led', () => {
      const restart = run.step('restart-manager').startedAt;
      for (const role of roles) {
        for (const fresh of perMember(changes(role).filter((c) => seenAt(c) > ms(restart)))) {
          expect(fresh.length, role).toBeGreaterThanOrEqual(1);
          expect(Math.abs(ms(fresh[0]!.notAfter) - ms(fresh[0]!.t) - 731 * DAY_MS - 730 * DAY_MS), role).toBeLessThan(DAY_MS);
        }
      }
      expect(run.step('recovered').outcome).toBe('met');
      expect(run.records.some((r) => r.kind === 'log' && r.text.includes('I am leader') && ms(r.t) > ms(restart))).toBe(true);
      expect(run.result.expectations.map((e) => `${e.id} ${e.result.verdict}`).filter((v) => !v.endsWith(' pass'))).toEqual([]);
    });

    it('keeps keys out of the findings and leaves nothing behind', async () => {
      expect(run.findings).not.toContain('PRIVATE KEY');
      expect(await certdrillLeftovers(platform)).toEqual(NOTHING_LEFT[platform]);
    });
  });
}

/**
 * The incident's certificates (Nov 5 2019, 367 days, with etcd-manager's own
 * names) written over the member certificates of a formed 3.0.20200116
 * cluster, etcd-manager restarted onto them, restarted again, then the
 * mitigation: what the real binary keeps, and what brings etcd back.
 */
export function describeEtcdIncidentCertsKept(platform: PlatformName): void {
  describe(`etcd-incident-certs-kept on ${platform}`, () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun('etcd-incident-certs-kept', platform);
    });
    const INCIDENT_EXPIRY = '2020-11-06T23:26:23.000Z';
    const reads = (role: string, from: string, to: string) =>
      run.records.filter(
        (r): r is CertificateRecord =>
          r.kind === 'certificate' && r.role.startsWith(role) && ms(r.sentAt ?? r.t) > ms(run.step(from).t) && ms(r.t) < ms(run.step(to).startedAt),
      );

    it("keeps the incident's certificates through both restarts: every member holds and serves them, none is renewed", () => {
      for (const role of ['peers/me.crt', 'clients/server.crt', 'served on :2380']) {
        for (const [from, to] of [
          ['start-on-incident-certificates', 'restart-manager'],
          ['restart-manager', 'remove-certificates'],
        ] as const) {
          for (const held of perMember(reads(role, from, to))) {
            expect(held.length).toBeGreaterThanOrEqual(1);
            expect(held.at(-1)!.notAfter).toBe(INCIDENT_EXPIRY);
          }
        }
      }
    });

    it('is Unhealthy in get cs on every member on them, with "certificate has expired" in etcd\'s own lines', () => {
      const window = { after: run.step('start-on-incident-certificates').t, before: run.step('remove-certificates').startedAt };
      for (const samples of perMember(
        run.health('componentstatus').filter((s) => ms(s.sentAt ?? s.t) > ms(window.after) && ms(s.t) < ms(window.before) && !s.noAnswer),
      )) {
        expect(samples.length).toBeGreaterThanOrEqual(2);
        expect(samples.every((s) => !s.ok)).toBe(true);
      }
      const expired = run
        .alerts()
        .filter((a) => a.text.includes('certificate has expired') && ms(a.t) > ms(window.after) && ms(a.t) < ms(window.before));
      expect(new Set(expired.map((a) => a.node))).toEqual(new Set(MEMBERS));
    });

    it('comes back with new one-year certificates once they are deleted, and judges every expectation', () => {
      expect(run.step('recovered').outcome).toBe('met');
      const removed = ms(run.step('remove-certificates').startedAt);
      for (const fresh of perMember(
        run.records.filter(
          (r): r is CertificateRecord => r.kind === 'certificate' && !r.unchanged && r.role.startsWith('peers/me.crt') && seenAt(r) > removed,
        ),
      )) {
        expect(fresh.length).toBeGreaterThanOrEqual(1);
        expect(Math.abs(ms(fresh[0]!.notAfter) - ms(fresh[0]!.t) - YEAR_MS)).toBeLessThan(86_400_000);
      }
      expect(run.result.expectations.map((e) => `${e.id} ${e.result.verdict}`).filter((v) => !v.endsWith(' pass'))).toEqual([]);
    });

    it('keeps keys out of the findings and leaves nothing behind', async () => {
      expect(run.findings).not.toContain('PRIVATE KEY');
      expect(await certdrillLeftovers(platform)).toEqual(NOTHING_LEFT[platform]);
    });
  });
}

/**
 * kube-apiserver's own etcd client certificate expires (a month on) while
 * etcd is healthy, then kube-apiserver restarts.
 */
export function describeEtcdApiserverClientCertExpires(platform: PlatformName): void {
  describe(`etcd-apiserver-client-cert-expires on ${platform}`, () => {
    let run: RecordedRun;
    beforeAll(async () => {
      run = await recordRun('etcd-apiserver-client-cert-expires', platform);
    });
    const inWindow = (from: string, to?: string) => (r: { t: string; sentAt?: string }) =>
      ms(r.sentAt ?? r.t) > ms(run.step(from).t) && (to === undefined || ms(r.t) < ms(run.step(to).startedAt));

    it("keeps etcd Healthy in etcdctl's view after the jump, on every member", () => {
      for (const samples of perMember(
        run
          .health('etcdctl')
          .filter(inWindow('month-passes'))
          .filter((s) => !s.noAnswer),
      )) {
        expect(samples.length).toBeGreaterThanOrEqual(2);
        expect(samples.every((s) => s.ok)).toBe(true);
      }
    });

    it('a month on: get cs Unhealthy on every member while /readyz/etcd still answers ok', () => {
      for (const samples of perMember(
        run
          .health('componentstatus')
          .filter(inWindow('month-passes', 'restart-apiserver'))
          .filter((s) => !s.noAnswer),
      )) {
        expect(samples.length).toBeGreaterThanOrEqual(1);
        expect(samples.every((s) => !s.ok)).toBe(true);
      }
      const jumped = ms(run.step('month-passes').t);
      for (const samples of perMember(
        run
          .health('apiserver')
          .filter(inWindow('month-passes'))
          .filter((s) => ms(s.t) < jumped + 20_000),
      )) {
        expect(samples.length).toBeGreaterThanOrEqual(2);
        expect(samples.every((s) => s.ok)).toBe(true);
      }
    });

    it('restarted, kube-apiserver never serves and exits with "Error creating leases"; etcd logs the expired client certificate', () => {
      const samples = run.health('apiserver').filter(inWindow('restart-apiserver'));
      expect(samples.length).toBeGreaterThanOrEqual(6);
      expect(samples.filter((s) => s.ok)).toEqual([]);
      const lines = run.records.filter(
        (r): r is AlertRecord | LogRecord => (r.kind === 'log' || r.kind === 'alert') && inWindow('restart-apiserver')(r),
      );
      expect(lines.filter((r) => r.text.includes('Serving securely on'))).toEqual([]);
      const leases = lines.filter((r) => r.text.includes('Error creating leases'));
      expect(new Set(leases.map((r) => r.node))).toEqual(new Set(MEMBERS));
      const refused = run
        .alerts()
        .filter((a) => a.channel === 'client' && a.text.includes('certificate has expired') && !a.text.startsWith('kube-apiserver:'));
      expect(new Set(refused.map((a) => a.node))).toEqual(new Set(MEMBERS));
      expect(run.result.expectations.map((e) => `${e.id} ${e.result.verdict}`).filter((v) => !v.endsWith(' pass'))).toEqual([]);
    });

    it('keeps keys out of the findings and leaves nothing behind', async () => {
      expect(run.findings).not.toContain('PRIVATE KEY');
      expect(await certdrillLeftovers(platform)).toEqual(NOTHING_LEFT[platform]);
    });
  });
}
