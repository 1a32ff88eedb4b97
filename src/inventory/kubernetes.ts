import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { certificateFromBase64, inspectCertificate } from '../pki/inspect.js';
import { UsageError } from '../util/errors.js';
import { readCertificateFile } from './pem.js';
import { addTlsSecret } from './secret.js';
import { readTlsEndpoint } from './tls-endpoint.js';
import type { CertManagerCertificate, CertManagerIssuer, Inventory } from './types.js';
import type { V1Secret } from '@kubernetes/client-node';
import { withTimeout } from '../util/deadline.js';

const API_TIMEOUT_MS = 10_000;

/** `kubernetes` (the current context) or `kubernetes:<context>`. */
export function parseKubernetesSource(text: string): { context?: string } | undefined {
  const match = /^kubernetes(?::(.+))?$/.exec(text);
  if (!match) return undefined;
  return match[1] ? { context: match[1] } : {};
}

/**
 * The certificates a cluster holds, read through the kubeconfig's context:
 * every `kubernetes.io/tls` Secret's tls.crt and ca.crt (the key in the same
 * Secret is dropped as it arrives, never read), cert-manager's Certificate
 * objects where the CRD exists, and the API server's own serving chain.
 */
export async function readKubernetes(source: string): Promise<Inventory> {
  const { context } = parseKubernetesSource(source) ?? {};
  const kc = loadKubeConfig(context);
  if (!kc.getCurrentContext())
    throw new UsageError(`the kubeconfig (${kubeconfigFiles().join(', ')}) has no current context: set one, or name one with kubernetes:<context>`);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError(`the kubeconfig context ${kc.getCurrentContext()} names no cluster: pick another with kubernetes:<context>`);
  const where = `${kc.getCurrentContext()} (${cluster.server})`;
  const core = kc.makeApiClient(CoreV1Api);
  const secrets = await withTimeout(
    core.listSecretForAllNamespaces({ fieldSelector: 'type=kubernetes.io/tls' }),
    API_TIMEOUT_MS,
    noAnswer(where),
  ).catch((error: unknown) => {
    throw new UsageError(`cannot list the Secrets of ${where}: ${describe(error)}`);
  });
  const inventory: Inventory = { source, certificates: [], unreadable: [], keysSkipped: 0, certManager: [] };
  for (const secret of secrets.items) addTlsSecret(inventory, { ...secret, kind: 'Secret' });
  inventory.certManager = await readCertManager(kc, where);
  inventory.issuers = await readIssuers(kc, where, secrets.items);
  // The CA the kubeconfig trusts for this cluster: the API server's chain ends in it.
  const caPem = cluster.caData
    ? Buffer.from(cluster.caData, 'base64')
    : cluster.caFile
      ? await readFile(cluster.caFile).catch(() => undefined)
      : undefined;
  const caContent = caPem ? readCertificateFile(caPem) : undefined;
  if (caContent?.kind === 'certificates') {
    for (const cert of caContent.certs)
      inventory.certificates.push({
        cert,
        info: inspectCertificate(cert.toString()),
        from: `kubeconfig ${kc.getCurrentContext()} certificate-authority`,
        role: 'cluster CA',
      });
  }
  const server = new URL(cluster.server);
  if (server.protocol === 'https:') {
    const endpoint = `${server.hostname.includes(':') ? `[${server.hostname}]` : server.hostname}:${server.port || 443}`;
    const served = await readTlsEndpoint(endpoint, { role: 'kube-apiserver serving' }).catch((error: Error) => {
      inventory.unreadable.push({ from: `API server ${endpoint}`, reason: error.message });
      return [];
    });
    inventory.certificates.push(...served.map((c) => ({ ...c, from: `API server ${c.from}` })));
  }
  return inventory;
}

/** The kubeconfig (KUBECONFIG, else ~/.kube/config) at `context`, else at its current context; a one-line error where it cannot be. */
export function loadKubeConfig(context: string | undefined): KubeConfig {
  const files = kubeconfigFiles();
  if (!files.some((f) => existsSync(f))) throw new UsageError(`no kubeconfig at ${files.join(', ')}: set KUBECONFIG to a cluster's kubeconfig`);
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (error) {
    throw new UsageError(`the kubeconfig cannot be read: ${(error as Error).message}`);
  }
  if (context) {
    if (!kc.getContextObject(context))
      throw new UsageError(
        `the kubeconfig has no context ${context}: it has ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }`,
      );
    kc.setCurrentContext(context);
  }
  return kc;
}

function kubeconfigFiles(): string[] {
  const files = process.env.KUBECONFIG?.split(':').filter(Boolean) ?? [];
  return files.length ? files : [join(homedir(), '.kube', 'config')];
}

/** cert-manager's Certificate objects; none where the CRD is not installed. */
async function readCertManager(kc: KubeConfig, where: string): Promise<CertManagerCertificate[]> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  let list: { items?: CertManagerObject[] };
  try {
    list = (await withTimeout(
      custom.listClusterCustomObject({ group: 'cert-manager.io', version: 'v1', plural: 'certificates' }),
      API_TIMEOUT_MS,
      noAnswer(where),
    )) as { items?: CertManagerObject[] };
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return [];
    throw new UsageError(`cannot list cert-manager Certificates of ${where}: ${describe(error)}`);
  }
  return (list.items ?? []).map((item) => ({
    namespace: item.metadata?.namespace ?? '',
    name: item.metadata?.name ?? '',
    secretName: item.spec?.secretName ?? '',
    ...(item.spec?.duration ? { duration: item.spec.duration } : {}),
    ...(item.spec?.renewBefore ? { renewBefore: item.spec.renewBefore } : {}),
    isCA: item.spec?.isCA === true,
    ...(item.spec?.issuerRef?.name ? { issuer: `${item.spec.issuerRef.kind ?? 'Issuer'}/${item.spec.issuerRef.name}` } : {}),
  }));
}

/** Where cert-manager keeps a ClusterIssuer's Secret unless told otherwise (--cluster-resource-namespace). */
const CLUSTER_RESOURCE_NAMESPACE = 'cert-manager';

/**
 * cert-manager's Issuers and ClusterIssuers, none where the CRDs are not
 * installed; for a CA issuer, the CA in its Secret's tls.crt (from the TLS
 * Secrets already listed, else that one Secret read: its key is dropped).
 */
async function readIssuers(kc: KubeConfig, where: string, tlsSecrets: V1Secret[]): Promise<CertManagerIssuer[]> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const issuers: CertManagerIssuer[] = [];
  for (const [plural, kind] of [
    ['issuers', 'Issuer'],
    ['clusterissuers', 'ClusterIssuer'],
  ] as const) {
    let list: { items?: IssuerObject[] };
    try {
      list = (await withTimeout(
        custom.listClusterCustomObject({ group: 'cert-manager.io', version: 'v1', plural }),
        API_TIMEOUT_MS,
        noAnswer(where),
      )) as { items?: IssuerObject[] };
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) continue;
      throw new UsageError(`cannot list cert-manager ${kind}s of ${where}: ${describe(error)}`);
    }
    for (const item of list.items ?? []) {
      const namespace = kind === 'Issuer' ? item.metadata?.namespace : undefined;
      const ready = item.status?.conditions?.find((c) => c.type === 'Ready');
      const issuer: CertManagerIssuer = { kind, name: item.metadata?.name ?? '?', ...(namespace ? { namespace } : {}) };
      if (ready) {
        issuer.readyStatus = ready.status;
        issuer.ready = `${ready.status}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}`;
      }
      const secretName = item.spec?.ca?.secretName;
      if (secretName) {
        const secretNamespace = namespace ?? CLUSTER_RESOURCE_NAMESPACE;
        issuer.caSecret = `${secretNamespace}/${secretName}`;
        const listed = tlsSecrets.find((s) => s.metadata?.namespace === secretNamespace && s.metadata?.name === secretName);
        const secret =
          listed ??
          (await withTimeout(core.readNamespacedSecret({ name: secretName, namespace: secretNamespace }), API_TIMEOUT_MS, noAnswer(where)).catch(
            () => undefined,
          ));
        const ca = certificateFromBase64(secret?.data?.['tls.crt']);
        if (ca) issuer.ca = { subject: ca.subject.split('\n').join(', '), notAfter: new Date(ca.validTo) };
      }
      issuers.push(issuer);
    }
  }
  return issuers;
}

interface IssuerObject {
  metadata?: { namespace?: string; name?: string };
  spec?: { ca?: { secretName?: string } };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

interface CertManagerObject {
  metadata?: { namespace?: string; name?: string };
  spec?: { secretName?: string; duration?: string; renewBefore?: string; isCA?: boolean; issuerRef?: { name?: string; kind?: string } };
}

const noAnswer = (where: string) => `no answer from ${where} within ${API_TIMEOUT_MS / 1000} s`;

function describe(error: unknown): string {
  if (error instanceof ApiException) return `HTTP ${error.code}`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = (error as Error).message ?? String(error);
  return cause?.code ? `${cause.code} (${message})` : message.split('\n')[0]!;
}
