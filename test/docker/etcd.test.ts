import { beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/observe/records.js';
import { certdrillLeftovers } from '../support/leftovers.js';
import { ms, recordRun, type RecordedRun } from '../support/run-scenario.js';
import {
  describeEtcdApiserverClientCertExpires,
  describeEtcdCertsExpireInTime,
  describeEtcdIncidentCertsKept,
  describeEtcdManagerLeftAlone,
  describeEtcdMastersReplaced,
  describeEtcdPeerCertsExpired,
} from '../shared/etcd-incident.js';

/**
 * Real runs of the kops etcd scenarios on Docker: etcd members, real TLS,
 * real openssl under faketime. Every assertion reads the run's timeline.
 */

const MEMBERS = ['etcd-a', 'etcd-b', 'etcd-c'];
const YEAR_MS = 365 * 86_400_000;
const noLeftovers = { containers: [], networks: [], volumes: [] };

describe('etcd-client-cert-expired', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('etcd-client-cert-expired');
  });

  it('keeps raft healthy with one leader, seen past the expired serving certificate', () => {
    const after = run.health('etcdctl').filter((s) => ms(s.t) > ms(run.step('quorum').t));
    expect(after.length).toBeGreaterThanOrEqual(6);
    expect(after.every((s) => s.ok)).toBe(true);
    expect(new Set(after.map((s) => s.attributes?.leader)).size).toBe(1);
    expect(after[0]!.attributes?.members).toEqual(MEMBERS);
  });

  it("shows the API server's view Unhealthy because the certificate has expired", () => {
    const apiserver = run.health('apiserver');
    expect(apiserver.length).toBeGreaterThanOrEqual(6);
    expect(apiserver.every((s) => !s.ok && s.error?.includes('certificate has expired'))).toBe(true);
  });
});

describe('etcd-certs-expire-while-running', () => {
  let run: RecordedRun;
  let notAfter: number;
  beforeAll(async () => {
    run = await recordRun('etcd-certs-expire-while-running');
    notAfter = ms(run.records.find((r) => r.kind === 'step' && r.id === 'expired')!.t);
  });

  it("is Healthy in the API server's view before notAfter and Unhealthy after it", () => {
    const apiserver = run.health('apiserver').filter((s) => s.node !== 'etcd-b' || ms(s.t) < ms(run.step('restart-etcd-b').startedAt));
    const before = apiserver.filter((s) => ms(s.t) > ms(run.step('healthy').t) && ms(s.t) < notAfter - 1000);
    const after = apiserver.filter((s) => ms(s.t) > notAfter + 1000);
    expect(before.length).toBeGreaterThan(6);
    expect(before.every((s) => s.ok)).toBe(true);
    expect(after.length).toBeGreaterThan(6);
    expect(after.every((s) => !s.ok && s.error?.includes('certificate has expired'))).toBe(true);
  });

  it("keeps raft's leader and term across the expiry until a member restarts", () => {
    const window = run.health('etcdctl').filter((s) => ms(s.t) > ms(run.step('healthy').t) && ms(s.t) < ms(run.step('restart-etcd-b').startedAt));
    expect(window.some((s) => ms(s.t) > notAfter + 3000)).toBe(true);
    expect(window.every((s) => s.ok)).toBe(true);
    expect(new Set(window.map((s) => `${String(s.attributes?.leader)}@${String(s.attributes?.raftTerm)}`)).size).toBe(1);
  });

  it('leaves the restarted member out, its peers rejecting its expired certificate', () => {
    const restart = run.step('restart-etcd-b');
    const restarted = run.health('etcdctl').filter((s) => s.node === 'etcd-b' && ms(s.t) > ms(restart.t));
    expect(restarted.length).toBeGreaterThanOrEqual(2);
    expect(restarted.every((s) => !s.ok)).toBe(true);
    const rejections = run.alerts().filter((a) => a.node !== 'etcd-b' && ms(a.t) > ms(restart.t) && a.class === 'certificate-expired');
    expect(rejections.length).toBeGreaterThan(0);
  });
});

describe('etcd-faketime-has-no-effect', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('etcd-faketime-has-no-effect');
  });
  const etcdLines = (node: string) =>
    run.records.filter(
      (r) => (r.kind === 'log' || r.kind === 'alert') && r.node === node && r.nodeTime && !(r.kind === 'log' && r.topic === 'libc-clock'),
    ) as LogRecord[];
  const dateIn = (node: string) => run.records.find((r): r is LogRecord => r.kind === 'log' && r.topic === 'libc-clock' && r.node === node);

  it("moves a libc program's clock +2 years in etcd-b under libfaketime, but not etcd's own log stamps", () => {
    const libc = dateIn('etcd-b');
    expect(libc?.text).toContain('under its libfaketime');
    expect(Math.abs(ms(libc!.nodeTime!) - ms(libc!.t) - 2 * YEAR_MS)).toBeLessThan(60_000);
    expect(etcdLines('etcd-b').length).toBeGreaterThan(0);
    for (const r of etcdLines('etcd-b')) expect(Math.abs(ms(r.nodeTime!) - ms(r.t))).toBeLessThan(60_000);
  });

  it("moves etcd's own log stamps +2 years in etcd-c under certdrill-clock, as its date", () => {
    const libc = dateIn('etcd-c');
    expect(libc?.text).toContain('under certdrill-clock');
    expect(Math.abs(ms(libc!.nodeTime!) - ms(libc!.t) - 2 * YEAR_MS)).toBeLessThan(60_000);
    expect(etcdLines('etcd-c').length).toBeGreaterThan(10);
    for (const r of etcdLines('etcd-c')) expect(Math.abs(ms(r.nodeTime!) - ms(r.t) - 2 * YEAR_MS)).toBeLessThan(60_000);
  });

  it("keeps etcd-b, under libfaketime, in the quorum with etcd-a; etcd-c, judging its peers' certificates expired, out", () => {
    const after = run.health('etcdctl').filter((s) => ms(s.t) > ms(run.step('healthy').t));
    const quorum = after.filter((s) => ['etcd-a', 'etcd-b'].includes(s.node));
    expect(quorum.filter((s) => s.node === 'etcd-b').length).toBeGreaterThanOrEqual(2);
    expect(quorum.every((s) => s.ok)).toBe(true);
    expect(after.filter((s) => s.node === 'etcd-c').every((s) => !s.ok)).toBe(true);
    expect(run.alerts().some((a) => a.node === 'etcd-c' && a.text.includes('certificate has expired or is not yet valid'))).toBe(true);
    expect(run.alerts().some((a) => a.node === 'etcd-b' && a.text.includes('certificate has expired or is not yet valid'))).toBe(false);
    expect(run.result.expectations.every((e) => e.result.verdict === 'pass')).toBe(true);
  });

  it('leaves nothing behind', async () => {
    expect(await certdrillLeftovers()).toEqual(noLeftovers);
  });
});

describe('etcd-member-clock-skew', () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('etcd-member-clock-skew');
  });

  it('only the member a year ahead judges certificates expired; its peers are told "bad certificate"', () => {
    const after = run.alerts().filter((a) => ms(a.t) > ms(run.step('skew').t));
    expect(after.some((a) => a.node === 'etcd-c' && a.text.includes('certificate has expired or is not yet valid'))).toBe(true);
    expect(after.some((a) => a.node !== 'etcd-c' && a.text.includes('certificate has expired or is not yet valid'))).toBe(false);
    expect(after.some((a) => a.node !== 'etcd-c' && a.text.includes('remote error: tls: bad certificate'))).toBe(true);
  });

  it('keeps etcd-a and etcd-b Healthy, and only the API server beside etcd-c sees its member Unhealthy', () => {
    const after = (view: 'apiserver' | 'etcdctl') => run.health(view).filter((s) => ms(s.t) > ms(run.step('skew').t));
    expect(
      after('etcdctl')
        .filter((s) => s.node !== 'etcd-c')
        .every((s) => s.ok),
    ).toBe(true);
    const apiserver = after('apiserver');
    expect(apiserver.filter((s) => s.node === 'etcd-c').length).toBeGreaterThanOrEqual(2);
    expect(apiserver.filter((s) => s.node === 'etcd-c').every((s) => !s.ok && s.error?.includes('certificate has expired'))).toBe(true);
    expect(apiserver.filter((s) => s.node !== 'etcd-c').every((s) => s.ok)).toBe(true);
  });
});

describeEtcdCertsExpireInTime('docker');
describeEtcdMastersReplaced('docker');
describeEtcdManagerLeftAlone('docker', 'etcd-fixed-manager-left-alone');
describeEtcdManagerLeftAlone('docker', 'etcd-current-manager-left-alone');
describeEtcdIncidentCertsKept('docker');
describeEtcdApiserverClientCertExpires('docker');
describeEtcdPeerCertsExpired('docker');
