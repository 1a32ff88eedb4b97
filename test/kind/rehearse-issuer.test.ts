import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRequestRecord } from '../../src/observe/records.js';
import { parseTimeline } from '../../src/observe/timeline.js';
import { KindPlatform } from '../../src/platform/kind/kind-platform.js';
import { forgeCa, forgeLeaf } from '../../src/pki/index.js';
import { npmRun } from '../support/cli.js';
import { kindUnavailable } from '../support/kind-available.js';

/**
 * `rehearse kubernetes --platform kind` of a cluster whose cert-manager CA
 * Issuer is Ready on a CA with 20 days left: the rehearsal replays its
 * issuance through the real cert-manager (each pod requesting its
 * certificate at start from an Issuer on the CA forged anew) instead of
 * forging the leaves, and finds the break at the CA's expiry.
 */
const unavailable = kindUnavailable();

describe.skipIf(unavailable)(`rehearse a cluster with a cert-manager Issuer on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let platform: KindPlatform;
  let kubeconfig: string;
  let out: string;
  const now = new Date();
  const ca = forgeCa('erlclu-soon-ca', { from: '-10d', validFor: '30d', commonName: 'erlclu-soon-ca' }, now);

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'certdrill-rehearse-issuer-'));
    out = await mkdtemp(join(tmpdir(), 'certdrill-rehearse-issuer-out-'));
    platform = new KindPlatform({ runId: `rehearse-issuer-${process.pid}`, workDir, shareCluster: true, progress: () => {} });
    await platform.readyFor([]);
    kubeconfig = join(workDir, 'kubeconfig');
    await platform.issuing.applyIssuer({ name: 'erlclu-issuer', secretName: 'erlclu-ca-key-pair', caCertPem: ca.certPem, caKeyPem: ca.keyPem });
    // A leaf the Issuer signed earlier, as a pod's Secret would hold it: the chain the rehearsal picks.
    const leaf = forgeLeaf('erlclu-0', { ca, from: '-1d', validFor: '90d', commonName: 'erlclu-0', altNames: ['erlclu-0'] }, now);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: platform.runNamespace,
      body: {
        metadata: { name: 'erlclu-0-tls', namespace: platform.runNamespace },
        type: 'kubernetes.io/tls',
        data: {
          'tls.crt': Buffer.from(leaf.certPem).toString('base64'),
          'tls.key': Buffer.from(leaf.keyPem).toString('base64'),
          'ca.crt': Buffer.from(ca.certPem).toString('base64'),
        },
      },
    });
  }, 3_600_000);

  afterAll(async () => {
    await platform?.cleanup();
  }, 300_000);

  it("replays the Issuer's issuance through cert-manager and breaks at the CA's expiry, the running cluster holding until a restart", async () => {
    const run = await npmRun('rehearse', ['kubernetes', '--platform', 'kind', '--out', out], { env: { KUBECONFIG: kubeconfig }, timeoutMs: 600_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    const records = parseTimeline(await readFile(join(out, 'timeline.jsonl'), 'utf8'));
    const requests = records.filter((r): r is CertificateRequestRecord => r.kind === 'certificateRequest');
    // Each pod's start, and the one restart, asked cert-manager; each answer came from the CA forged anew with the source's window.
    expect(requests).toHaveLength(4);
    for (const r of requests) {
      expect(r.state).toBe('Issued');
      expect(r.signingCa).toContain('CN=erlclu-soon-ca');
      expect(Math.abs(Date.parse(r.signingCaNotAfter!) - ca.info.notAfter.getTime())).toBeLessThan(2000);
    }
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { expectations: { id: string; verdict: string }[] };
    expect(results.expectations.map((e) => `${e.id} ${e.verdict}`)).toEqual(['running-1 pass', 'restart-1 pass']);
    const findings = await readFile(join(out, 'findings.md'), 'utf8');
    expect(findings).toContain("cert-manager's Issuer erlclu-issuer");
    expect(findings).toContain('## Certificate requests');
  }, 900_000);
});
