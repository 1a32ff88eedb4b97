import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KindPlatform } from '../../src/platform/kind/kind-platform.js';
import { forgeCa } from '../../src/pki/index.js';
import { kindUnavailable } from '../support/kind-available.js';

/**
 * The real cert-manager controller (the incident-era v1.10.2, built from the
 * Go module proxy by src/platform/kind/cert-manager/build.sh) against the kind
 * cluster, issuing as erlclu's init container asked it to: a CA Issuer on the
 * Secret erlclu-ca-key-pair, a P-256 CSR (openssl) in a CertificateRequest with
 * no duration. The CA expired six days ago. What cert-manager's code says it
 * does, observed: the Issuer is Ready, the request is signed, the leaf is new
 * and 90 days long, and a real TLS stack (openssl verify) refuses its chain.
 */
const unavailable = kindUnavailable();
const BUILD = 'src/platform/kind/cert-manager/build.sh';
const DAY_MS = 86_400_000;

describe.skipIf(unavailable)(`the real cert-manager on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `certdrill-cert-manager-${process.pid}-${Date.now().toString(36)}`;
  let platform: KindPlatform;
  let kc: KubeConfig;
  let workDir: string;
  let controller: ResultPromise | undefined;
  const controllerLog: string[] = [];
  const crds: KubernetesObject[] = [];
  const now = new Date();
  // erlclu's CA: `openssl req -new -x509` (30 days), made 36 days ago.
  const ca = forgeCa('erlclu-ca', { from: '-36d', validFor: '30d', commonName: 'erlclu-ca' }, now);

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'certdrill-cert-manager-'));
    const binary = (await execa('bash', [BUILD], { timeout: 900_000 })).stdout.trim().split('\n').at(-1)!;
    const crdDir = (await execa('bash', [BUILD, '--crds'], { timeout: 300_000 })).stdout.trim().split('\n').at(-1)!;
    platform = new KindPlatform({ runId: `cert-manager-${process.pid}`, workDir, shareCluster: true, progress: () => {} });
    await platform.readyFor([]);
    const kubeconfig = join(workDir, 'kubeconfig');
    kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    for (const file of (await readdir(crdDir)).sort()) crds.push(...(loadAllYaml(await readFile(join(crdDir, file), 'utf8')) as KubernetesObject[]));
    for (const crd of crds) await objects.create(crd).catch((error: { code?: number }) => (error.code === 409 ? undefined : Promise.reject(error)));
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'certdrill.pid': String(process.pid) } } } });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'erlclu-ca-key-pair', namespace },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': Buffer.from(ca.certPem).toString('base64'), 'tls.key': Buffer.from(ca.keyPem).toString('base64') },
      },
    });
    // Every CRD Established before the controller lists them: an informer started on a resource the API server
    // is still setting up saw none of the objects made then (an Issuer never reconciled, 1 run in 4 here).
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    for (const crd of crds)
      await until(
        async () => {
          const got = await extensions.readCustomResourceDefinition({ name: crd.metadata!.name! });
          return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
        },
        60_000,
        `the CRD ${crd.metadata!.name} to be Established`,
      );
    // The controllers erlclu's requests need: the CA signer waits for the approver's approval.
    controller = execa(
      binary,
      [
        `--kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        `--namespace=${namespace}`,
        `--cluster-resource-namespace=${namespace}`,
        '--controllers=issuers,certificaterequests-approver,certificaterequests-issuer-ca',
        '--metrics-listen-address=127.0.0.1:0',
        '--v=6',
      ],
      { reject: false, all: true, cleanup: true },
    );
    // What it logs, kept as it comes: a wait that gives up shows it.
    controller.all?.on('data', (chunk: Buffer) => controllerLog.push(...String(chunk).split('\n').filter(Boolean)));
    // As an operator does it: cert-manager installed first, then the Issuer.
    const custom = kc.makeApiClient(CustomObjectsApi);
    await until(async () => (await createIssuer(custom)) !== undefined, 60_000, 'the Issuer to be created');
  }, 1_800_000);

  afterAll(async () => {
    controller?.kill('SIGTERM');
    await controller;
    await kc
      ?.makeApiClient(CoreV1Api)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
    const objects = kc ? KubernetesObjectApi.makeApiClient(kc) : undefined;
    for (const crd of crds) await objects?.delete(crd).catch(() => undefined);
    await platform?.cleanup();
  }, 300_000);

  it('signs a CertificateRequest from a CA that expired six days ago: a fresh 90-day leaf, an Issuer still Ready, a chain openssl refuses', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    let seen = 'nothing yet';
    const issuer = await until(
      async () => {
        const got = (await custom
          .getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace, plural: 'issuers', name: 'erlclu-issuer' })
          .catch((error: Error) => ({ error: error.message }))) as Resource & { error?: string };
        seen = JSON.stringify(got.error ?? got.status ?? 'no status');
        return readyOf(got)?.status === 'True' ? got : undefined;
      },
      120_000,
      () => `the Issuer to be Ready (it was: ${seen}); the controller said:\n${lastLines()}`,
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
    const request = await until(
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
      120_000,
      () => `the CertificateRequest to be signed; the controller said:\n${lastLines()}`,
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
  function lastLines(): string {
    return controllerLog.length ? controllerLog.slice(-60).join('\n') : 'nothing';
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

/** Polls `probe` every second until it gives a value; throws after `timeoutMs`, naming what it waited for. */
async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string | (() => string)): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
