import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRecord, LogRecord } from '../../src/observe/records.js';
import { certdrillLeftovers } from '../support/docker-leftovers.js';
import { ms, recordRun, type RecordedRun } from '../support/run-scenario.js';

/**
 * Real runs of the kops etcd scenarios on Docker: etcd members, real TLS,
 * real openssl under faketime. Every assertion reads the run's timeline.
 */

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
const YEAR_MS = 365 * 86_400_000;
const perMember = <T extends { node: string }>(records: T[]) => MEMBERS.map((m) => records.filter((r) => r.node === m));
const noLeftovers = { containers: [], networks: [], volumes: [] };

describe('etcd-peer-certs-expired', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('etcd-peer-certs-expired');
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
    expect(run.result.expectations.every((e) => e.result.pass)).toBe(true);
  });

  it('keeps the member keys 0600 in the run folder and leaves nothing behind', async () => {
    expect((await stat(join(run.outDir, 'pki', 'etcd-a-peer.key'))).mode & 0o777).toBe(0o600);
    expect(run.findings).not.toContain('PRIVATE KEY');
    expect(await certdrillLeftovers()).toEqual(noLeftovers);
  });
});

describe('etcd-client-cert-expired', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('etcd-client-cert-expired');
  });

  it('keeps raft healthy with one leader, seen past the expired serving certificate', () => {
    const after = run.health('etcdctl').filter((s) => ms(s.t) > ms(run.step('quorum').t));
    expect(after.length).toBeGreaterThanOrEqual(6);
    expect(after.every((s) => s.healthy)).toBe(true);
    expect(new Set(after.map((s) => s.leader)).size).toBe(1);
    expect(after[0]!.members).toEqual(MEMBERS);
  });

  it('shows the API server\'s view Unhealthy because the certificate has expired', () => {
    const apiserver = run.health('apiserver');
    expect(apiserver.length).toBeGreaterThanOrEqual(6);
    expect(apiserver.every((s) => !s.healthy && s.error?.includes('certificate has expired'))).toBe(true);
  });
});

describe('etcd-certs-expire-while-running', () => {
  let run: RecordedRun;
  let notAfter: number;
  beforeAll(async () => {
    run = await recordRun('etcd-certs-expire-while-running');
    notAfter = ms(run.records.find((r) => r.kind === 'step' && r.id === 'expired')!.t);
  });

  it('is Healthy in the API server\'s view before notAfter and Unhealthy after it', () => {
    const apiserver = run.health('apiserver').filter((s) => s.node !== 'etcd-b' || ms(s.t) < ms(run.step('restart-etcd-b').startedAt));
    const before = apiserver.filter((s) => ms(s.t) > ms(run.step('healthy').t) && ms(s.t) < notAfter - 1000);
    const after = apiserver.filter((s) => ms(s.t) > notAfter + 1000);
    expect(before.length).toBeGreaterThan(6);
    expect(before.every((s) => s.healthy)).toBe(true);
    expect(after.length).toBeGreaterThan(6);
    expect(after.every((s) => !s.healthy && s.error?.includes('certificate has expired'))).toBe(true);
  });

  it('keeps raft\'s leader and term across the expiry until a member restarts', () => {
    const window = run.health('etcdctl').filter((s) => ms(s.t) > ms(run.step('healthy').t) && ms(s.t) < ms(run.step('restart-etcd-b').startedAt));
    expect(window.some((s) => ms(s.t) > notAfter + 3000)).toBe(true);
    expect(window.every((s) => s.healthy)).toBe(true);
    expect(new Set(window.map((s) => `${s.leader}@${s.raftTerm}`)).size).toBe(1);
  });

  it('leaves the restarted member out, its peers rejecting its expired certificate', () => {
    const restart = run.step('restart-etcd-b');
    const restarted = run.health('etcdctl').filter((s) => s.node === 'etcd-b' && ms(s.t) > ms(restart.t));
    expect(restarted.length).toBeGreaterThanOrEqual(2);
    expect(restarted.every((s) => !s.healthy)).toBe(true);
    const rejections = run.alerts().filter((a) => a.node !== 'etcd-b' && ms(a.t) > ms(restart.t) && a.class === 'certificate-expired');
    expect(rejections.length).toBeGreaterThan(0);
  });
});

describe('etcd-manager-restart-recovers', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('etcd-manager-restart-recovers');
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
    const end = legacy.filter((s) => ms(s.t) > ms(run.step('legacy-healthy').t));
    expect(end.length).toBeGreaterThanOrEqual(3);
    expect(end.every((s) => s.healthy)).toBe(true);
  });

  it('renewing: re-issues the expired certificates at start and is never Unhealthy once formed', () => {
    const renewing = ['etcd-r1', 'etcd-r2', 'etcd-r3'];
    const reissued = certificates().filter((c) => renewing.includes(c.node));
    expect(reissued).toHaveLength(6);
    expect(reissued.every((c) => ms(c.t) < ms(run.step('renewing-healthy').t))).toBe(true);
    const formed = run.health('apiserver').filter((s) => renewing.includes(s.node) && ms(s.t) > ms(run.step('renewing-healthy').t));
    expect(formed.length).toBeGreaterThanOrEqual(6);
    expect(formed.every((s) => s.healthy)).toBe(true);
  });
});

describe('etcd-faketime-has-no-effect', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('etcd-faketime-has-no-effect');
  });

  it('moves a libc program\'s clock +2 years in etcd-c, but not etcd\'s own log stamps', () => {
    const libc = run.records.find((r): r is LogRecord => r.kind === 'log' && r.topic === 'libc-clock');
    expect(Math.abs(ms(libc!.nodeTime!) - ms(libc!.t) - 2 * YEAR_MS)).toBeLessThan(60_000);
    const etcdLines = run.records.filter((r) => (r.kind === 'log' || r.kind === 'alert') && r.node === 'etcd-c' && r.nodeTime && !(r.kind === 'log' && r.topic === 'libc-clock'));
    expect(etcdLines.length).toBeGreaterThan(0);
    for (const r of etcdLines) expect(Math.abs(ms((r as LogRecord).nodeTime!) - ms(r.t))).toBeLessThan(60_000);
  });

  it('keeps etcd-c in a healthy cluster', () => {
    const after = run.health('etcdctl').filter((s) => ms(s.t) > ms(run.step('healthy').t));
    expect(after.filter((s) => s.node === 'etcd-c').length).toBeGreaterThanOrEqual(2);
    expect(after.every((s) => s.healthy)).toBe(true);
    expect(run.result.expectations.every((e) => e.result.pass)).toBe(true);
  });

  it('leaves nothing behind', async () => {
    expect(await certdrillLeftovers()).toEqual(noLeftovers);
  });
});
