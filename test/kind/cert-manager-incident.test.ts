import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRequestRecord, LogRecord } from '../../src/observe/records.js';
import { kindUnavailable } from '../support/kind-available.js';
import { ms, recordRun, type RecordedRun } from '../support/run-scenario.js';

/**
 * The Erlang incident on its real issuance path, read from the run's
 * timeline: each pod's erlclu-init asked the real cert-manager (v1.10.2) for
 * its certificate at every start, and the CA Issuer on a CA that expired six
 * days before signed each request.
 */
const unavailable = kindUnavailable();
const DAY_MS = 86_400_000;
const NODES = ['node1', 'node2', 'node3'];

describe.skipIf(unavailable)(`erlang-cert-manager-incident on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let run: RecordedRun;
  let requests: CertificateRequestRecord[];
  beforeAll(async () => {
    run = await recordRun('erlang-cert-manager-incident', 'kind');
    requests = run.records.filter((r): r is CertificateRequestRecord => r.kind === 'certificateRequest');
  }, 600_000);

  it('records a new CertificateRequest for every pod start, each made by another pod', () => {
    for (const node of NODES) expect(requests.filter((r) => r.node === node)).toHaveLength(2);
    expect(new Set(requests.map((r) => r.name)).size).toBe(6);
    expect(new Set(requests.map((r) => r.pod)).size).toBe(6);
    // The restart's requests come after the restart began.
    for (const node of NODES) {
      const [first, second] = requests.filter((r) => r.node === node).sort((a, b) => ms(a.created) - ms(b.created));
      expect(ms(first!.created)).toBeLessThan(ms(run.step(`restart-${node}`).startedAt));
      expect(ms(second!.created)).toBeGreaterThanOrEqual(ms(run.step(`restart-${node}`).startedAt) - 1000);
    }
  });

  it('each is approved and issued: a certificate from the request on for 90 days, from a CA that expired six days before, the Issuer Ready', () => {
    for (const r of requests) {
      expect(r.state).toBe('Issued');
      expect(r.approved).toBeDefined();
      expect(Math.abs(ms(r.notBefore!) - ms(r.created))).toBeLessThan(5 * 60_000);
      expect(Math.abs(ms(r.notAfter!) - ms(r.notBefore!) - 90 * DAY_MS)).toBeLessThan(3_600_000);
      expect(r.signingCa).toContain('CN=erlclu-ca');
      expect(ms(r.created) - ms(r.signingCaNotAfter!)).toBeGreaterThan(5.9 * DAY_MS);
      expect(r.issuerReady).toMatch(/^True \(KeyPairVerified: Signing CA verified\)/);
      expect(r.subject).toBe(`CN=${r.node}`);
    }
  });

  it('every node stays alone and logs "Fatal - Certificate Expired"', () => {
    const settled = Math.max(...NODES.map((n) => ms(run.step(`restart-${n}`).t)));
    const later = run.membership().filter((r) => ms(r.t) > settled && r.ok);
    expect(later.length).toBeGreaterThan(6);
    expect(later.every((r) => r.peers.length === 0)).toBe(true);
    for (const node of NODES)
      expect(run.alerts().some((a) => a.node === node && a.class === 'certificate-expired' && a.text.includes('Fatal - Certificate Expired'))).toBe(
        true,
      );
    expect(run.result.expectations.map((e) => `${e.id} ${e.result.verdict}`)).toEqual(run.result.expectations.map((e) => `${e.id} pass`));
  });

  it('reports the requests, and no node key leaves its pod', async () => {
    expect(run.findings).toContain('## Certificate requests');
    const report = `${await readFile(join(run.outDir, 'timeline.jsonl'), 'utf8')}${run.findings}`;
    expect(report).not.toContain('PRIVATE KEY');
    // The only key certdrill holds is the CA's it forged, 0600 in the run's folder; the nodes' keys were made in their pods.
    const keys = (await readdir(join(run.outDir, 'pki'))).filter((f) => f.endsWith('.key'));
    expect(keys).toEqual(['erlclu-ca.key']);
    expect((await stat(join(run.outDir, 'pki', keys[0]!))).mode & 0o777).toBe(0o600);
  });
});

/**
 * erlang-preflight's check as a second init container behind erlclu-init:
 * the certificate cert-manager has just issued is new, its CA is not, and the
 * check refuses the pod before the node starts; the pods without it run alone.
 */
describe.skipIf(unavailable)(`erlang-cert-manager-preflight on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let run: RecordedRun;
  beforeAll(async () => {
    run = await recordRun('erlang-cert-manager-preflight', 'kind');
  }, 600_000);

  it('issues node3 a fresh certificate, then its check refuses it in one line naming the expired CA, and node3 never runs', () => {
    const [request] = run.records.filter((r): r is CertificateRequestRecord => r.kind === 'certificateRequest' && r.node === 'node3');
    expect(request!.state).toBe('Issued');
    expect(ms(request!.notAfter!)).toBeGreaterThan(Date.now() + 80 * DAY_MS);
    const lines = run.records.filter((r): r is LogRecord => r.kind === 'log' && r.topic === 'preflight' && r.node === 'node3');
    expect(lines[0]!.text).toMatch(/^certdrill preflight: refusing to start: CA CN=erlclu-ca expired at \S+, now \S+$/);
    // After the request was issued: the check read what erlclu-init wrote.
    expect(ms(lines[0]!.t)).toBeGreaterThan(ms(request!.created));
    const node3 = run.membership().filter((r) => r.node === 'node3');
    expect(node3.length).toBeGreaterThan(3);
    expect(node3.some((r) => r.ok)).toBe(false);
  });

  it('runs node1 and node2 without the check: both start, stay alone, and only their logs say "Certificate Expired"', () => {
    for (const node of ['node1', 'node2']) {
      const samples = run.membership().filter((r) => r.node === node && r.ok);
      expect(samples.length).toBeGreaterThan(3);
      expect(samples.every((r) => r.peers.length === 0)).toBe(true);
      expect(run.alerts().some((a) => a.node === node && a.class === 'certificate-expired')).toBe(true);
      expect(run.records.some((r) => r.kind === 'log' && r.topic === 'preflight' && r.node === node)).toBe(false);
    }
  });
});
