import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERT_MANAGER_IMAGE, CERT_MANAGER_IMAGE_ENV } from '../../src/platform/kubernetes/cert-manager/install.js';
import { KindPlatform } from '../../src/platform/kind/kind-platform.js';
import { forgeCa } from '../../src/pki/index.js';
import { pollUntil } from '../../src/util/deadline.js';
import { kindUnavailable } from '../support/kind-available.js';

/**
 * The real cert-manager controller (the incident-era v1.10.2, built from the
 * Go module proxy by src/platform/kubernetes/cert-manager/build.sh) installed into
 * the kind cluster by certdrill (CRDs, then the controller's Deployment in the
 * run's namespace: KindPlatform.startCertManager), issuing as erlclu's init
 * container asked it to: a CA Issuer on the Secret erlclu-ca-key-pair, a
 * P-256 CSR (openssl) in a CertificateRequest with no duration. The CA expired
 * six days ago. What cert-manager's code says it does, observed: the Issuer
 * is Ready, the request is signed, the leaf is new and 90 days long, and a
 * real TLS stack (openssl verify) refuses its chain.
 */
const unavailable = kindUnavailable();
const DAY_MS = 86_400_000;
const PUBLISHED = 'certdrill-test/cert-manager-controller:v1.10.2';

describe.skipIf(unavailable)(`the real cert-manager on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let platform: KindPlatform;
  let kc: KubeConfig;
  let workDir: string;
  let namespace: string;
  const now = new Date();
  // erlclu's CA: `openssl req -new -x509` (30 days), made 36 days ago.
  const ca = forgeCa('erlclu-ca', { from: '-36d', validFor: '30d', commonName: 'erlclu-ca' }, now);

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'certdrill-cert-manager-'));
    platform = new KindPlatform({ runId: `cert-manager-${process.pid}`, workDir, shareCluster: true, progress: () => {} });
    // The path of a published controller image (CERTDRILL_CERT_MANAGER_IMAGE), taken with the one built here under another name.
    await execa('docker', ['tag', await platform.prepareImage(CERT_MANAGER_IMAGE), PUBLISHED]);
    process.env[CERT_MANAGER_IMAGE_ENV] = PUBLISHED;
    try {
      await platform.startCertManager();
    } finally {
      delete process.env[CERT_MANAGER_IMAGE_ENV];
    }
    namespace = platform.runNamespace;
    kc = new KubeConfig();
    kc.loadFromFile(join(workDir, 'kubeconfig'));
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'erlclu-ca-key-pair', namespace },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': Buffer.from(ca.certPem).toString('base64'), 'tls.key': Buffer.from(ca.keyPem).toString('base64') },
      },
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    await pollUntil(async () => ((await createIssuer(custom)) !== undefined ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the Issuer to be created',
    });
  }, 1_800_000);

  afterAll(async () => {
    await platform?.cleanup();
    await execa('docker', ['image', 'rm', PUBLISHED], { reject: false });
    await rm(workDir, { recursive: true, force: true });
  }, 300_000);

  it("runs in the run's namespace from the image CERTDRILL_CERT_MANAGER_IMAGE names", async () => {
    const pods = (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: 'app=cert-manager' })).items;
    expect(pods).toHaveLength(1);
    expect(pods[0]!.spec!.containers[0]!.image).toBe(PUBLISHED);
    expect(pods[0]!.status!.containerStatuses![0]!.ready).toBe(true);
  });

  it('signs a CertificateRequest from a CA that expired six days ago: a fresh 90-day leaf, an Issuer still Ready, a chain openssl refuses', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    let seen = 'nothing yet';
    const issuer = await pollUntil(
      async () => {
        const got = (await custom
          .getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace, plural: 'issuers', name: 'erlclu-issuer' })
          .catch((error: Error) => ({ error: error.message }))) as Resource & { error?: string };
        seen = JSON.stringify(got.error ?? got.status ?? 'no status');
        return readyOf(got)?.status === 'True' ? got : undefined;
      },
      { timeoutMs: 120_000, what: async () => `the Issuer to be Ready (it was: ${seen}); the controller said:\n${await lastLines()}` },
    );
    expect(readyOf(issuer)!.message).toBe('Signing CA verified');

    // erlclu-init: a P-256 key and a CSR for the pod's address, both usages, no duration asked for.
    const csr = (
      await execa('openssl', [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(workDir, 'node.key'),
        '-subj',
        '/CN=erlclu-0.erlclu.default.svc',
        '-addext',
        'subjectAltName=DNS:erlclu-0.erlclu.default.svc',
        '-addext',
        'extendedKeyUsage=serverAuth,clientAuth',
      ])
    ).stdout;
    const requestedAt = Date.now();
    await custom.createNamespacedCustomObject({
      group: 'cert-manager.io',
      version: 'v1',
      namespace,
      plural: 'certificaterequests',
      body: {
        apiVersion: 'cert-manager.io/v1',
        kind: 'CertificateRequest',
        metadata: { name: 'erlclu-0', namespace },
        spec: { request: Buffer.from(csr).toString('base64'), issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: 'erlclu-issuer' } },
      },
    });
    const request = await pollUntil(
      async () => {
        const got = (await custom.getNamespacedCustomObject({
          group: 'cert-manager.io',
          version: 'v1',
          namespace,
          plural: 'certificaterequests',
          name: 'erlclu-0',
        })) as Resource;
        return readyOf(got)?.status === 'True' || readyOf(got)?.reason === 'Failed' ? got : undefined;
      },
      { timeoutMs: 120_000, what: async () => `the CertificateRequest to be signed; the controller said:\n${await lastLines()}` },
    );
    expect(readyOf(request), JSON.stringify(request.status)).toMatchObject({ status: 'True', reason: 'Issued' });
    expect(request.status!.conditions!.some((c) => c.type === 'Approved' && c.status === 'True')).toBe(true);

    const leafPem = Buffer.from(request.status!.certificate!, 'base64').toString();
    const caPem = Buffer.from(request.status!.ca!, 'base64').toString();
    const leaf = new X509Certificate(leafPem);
    const caCert = new X509Certificate(caPem);
    expect(caCert.fingerprint256).toBe(new X509Certificate(ca.certPem).fingerprint256);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    // New, and 90 days long (cert-manager's default): not cut to the CA's NotAfter, which lies six days back.
    expect(Math.abs(Date.parse(leaf.validFrom) - requestedAt)).toBeLessThan(5 * 60_000);
    expect(Math.abs(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom) - 90 * DAY_MS)).toBeLessThan(60 * 60_000);
    expect(Date.parse(caCert.validTo)).toBeLessThan(now.getTime() - 5 * DAY_MS);

    // The chain as a TLS peer would check it: openssl, at real time.
    await writeFile(join(workDir, 'ca.pem'), caPem);
    await writeFile(join(workDir, 'leaf.pem'), leafPem);
    const verify = await execa('openssl', ['verify', '-CAfile', join(workDir, 'ca.pem'), join(workDir, 'leaf.pem')], { reject: false, all: true });
    expect(verify.exitCode).not.toBe(0);
    expect(verify.all).toContain('certificate has expired');
  }, 300_000);

  /** The controller's last lines, for a wait's error. */
  async function lastLines(): Promise<string> {
    const core = kc.makeApiClient(CoreV1Api);
    const pod = (await core.listNamespacedPod({ namespace, labelSelector: 'app=cert-manager' })).items[0];
    if (!pod) return 'no controller pod';
    return core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace, tailLines: 40 }).catch((error: Error) => `no log: ${error.message}`);
  }

  async function createIssuer(custom: CustomObjectsApi): Promise<unknown> {
    return custom
      .createNamespacedCustomObject({
        group: 'cert-manager.io',
        version: 'v1',
        namespace,
        plural: 'issuers',
        body: {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Issuer',
          metadata: { name: 'erlclu-issuer', namespace },
          spec: { ca: { secretName: 'erlclu-ca-key-pair' } },
        },
      })
      .catch(() => undefined);
  }
});

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Resource {
  status?: { conditions?: Condition[]; certificate?: string; ca?: string };
}

const readyOf = (resource: Resource) => resource.status?.conditions?.find((c) => c.type === 'Ready');
