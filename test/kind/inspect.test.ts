import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KindPlatform } from '../../src/platform/kind/kind-platform.js';
import { forgeCa, forgeLeaf } from '../../src/pki/index.js';
import { npmRun } from '../support/cli.js';
import { kindUnavailable } from '../support/kind-available.js';

/**
 * `npm run inspect -- kubernetes` against the kind cluster: a namespace
 * holding the incident's Secrets (cert-manager's CA pair valid 30 days, a node
 * certificate valid 90 days under it) is read through the kubeconfig, with the
 * API server's own serving chain; the keys in those Secrets never show.
 */
const unavailable = kindUnavailable();

describe.skipIf(unavailable)(`inspect a cluster on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `certdrill-tls-secrets-${process.pid}`;
  let platform: KindPlatform;
  let kubeconfig: string;
  let core: CoreV1Api;

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'certdrill-inspect-kind-'));
    platform = new KindPlatform({ runId: `inspect-${process.pid}`, workDir, shareCluster: true, progress: () => {} });
    await platform.readyFor([]);
    kubeconfig = join(workDir, 'kubeconfig');
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'certdrill.pid': String(process.pid) } } } });
    const now = new Date();
    const ca = forgeCa('erlclu-ca', { from: '-20d', validFor: '30d', commonName: 'erlclu-ca' }, now);
    const node = forgeLeaf('erlclu-0', { ca, from: '-10d', validFor: '90d', commonName: 'erlclu-0', altNames: ['erlclu-0.erlclu'] }, now);
    const secret = (name: string, cert: { certPem: string; keyPem: string }) => ({
      metadata: { name, namespace },
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': Buffer.from(cert.certPem).toString('base64'),
        'tls.key': Buffer.from(cert.keyPem).toString('base64'),
        'ca.crt': Buffer.from(ca.certPem).toString('base64'),
      },
    });
    await core.createNamespacedSecret({ namespace, body: secret('erlclu-ca-key-pair', ca) });
    await core.createNamespacedSecret({ namespace, body: secret('erlclu-0-tls', node) });
    // The real cert-manager, with the incident's Issuer: Ready on a CA that expired six days ago.
    const expired = forgeCa('erlclu-expired-ca', { from: '-36d', validFor: '30d', commonName: 'erlclu-expired-ca' }, now);
    await platform.issuing.applyIssuer({
      name: 'erlclu-issuer',
      secretName: 'erlclu-ca-key-pair',
      caCertPem: expired.certPem,
      caKeyPem: expired.keyPem,
    });
  }, 3_600_000);

  afterAll(async () => {
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
    await platform?.cleanup();
  });

  it("reads the namespace's TLS Secrets and the API server's chain, and says the 30-day CA breaks the node certificate first", async () => {
    const run = await npmRun('inspect', ['kubernetes'], { env: { KUBECONFIG: kubeconfig } });
    expect(run.exitCode, run.stderr).toBe(0);
    // The CA is in both Secrets (tls.crt of its own, ca.crt of the node's): shown once, where it was read first.
    expect(run.stdout).toMatch(
      new RegExp(
        `^\\| (CA of the Secret: )?erlclu-ca \\(secret ${namespace}/erlclu-[^ ]+ (tls|ca)\\.crt\\) \\| CN=erlclu-ca, O=certdrill \\(CA\\) \\| self-signed`,
        'm',
      ),
    );
    expect(run.stdout).toContain(`secret ${namespace}/erlclu-0-tls tls.crt`);
    expect(run.stdout).toMatch(/^Read .*: \d+ certificates; \d+ private keys seen and left unread\.$/m);
    // The API server's chain ends in the CA the kubeconfig trusts.
    expect(run.stdout).toMatch(/\| cluster CA: kubernetes \(kubeconfig [^)]+ certificate-authority\) \| CN=kubernetes \(CA\) \| self-signed/);
    expect(run.stdout).not.toMatch(/CN=kube-apiserver: its issuer CN=kubernetes is not among/);
    expect(run.stdout).toMatch(/\| kube-apiserver serving: kube-apiserver \(API server 127\.0\.0\.1:\d+ #1\) \| CN=kube-apiserver/);
    expect(run.stdout).toMatch(/^- CN=erlclu-0, O=certdrill \(until .*\) outlives its CA CN=erlclu-ca, O=certdrill/m);
    expect(run.stdout).toMatch(
      new RegExp(`^From then on this certificate fails verification through it: erlclu-0 \\(secret ${namespace}/erlclu-0-tls tls\\.crt\\)`, 'm'),
    );
    expect(run.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it("lists cert-manager's Issuers with their CA and Ready condition, and warns of one Ready on an expired CA", async () => {
    const run = await npmRun('inspect', ['kubernetes'], { env: { KUBECONFIG: kubeconfig } });
    expect(run.exitCode, run.stderr).toBe(0);
    const issuer = `Issuer ${platform.runNamespace}/erlclu-issuer`;
    expect(run.stdout).toContain('## cert-manager Issuers');
    expect(run.stdout).toMatch(
      new RegExp(
        `^\\| ${issuer} \\| ${platform.runNamespace}/erlclu-ca-key-pair \\| CN=erlclu-expired-ca, O=certdrill \\| \\S+ \\S+ \\(expired \\d+d ago\\) \\| True \\(KeyPairVerified: Signing CA verified\\) \\|$`,
        'm',
      ),
    );
    expect(run.stdout).toMatch(
      new RegExp(`^- ${issuer} is Ready, but its CA CN=erlclu-expired-ca, O=certdrill expired .*: cert-manager signs with it anyway`, 'm'),
    );
    expect(run.stdout).not.toMatch(/PRIVATE KEY/);
  });
});
