import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig, type V1Container, type V1Secret } from '@kubernetes/client-node';
import { certificateFromBase64 } from '../../../pki/inspect.js';
import { pollUntil } from '../../../util/deadline.js';
import type { CertificateRequestSeen, ImageSource, IssuerCondition, IssuerSpec, RequestedCertificate } from '../../types.js';

/** erlclu-init's image: openssl, curl and jq on certdrill's Debian base image (./request/). */
export const CERT_REQUEST_IMAGE: ImageSource = {
  repository: 'certdrill/cert-request',
  context: fileURLToPath(new URL('./request', import.meta.url)),
};

/** The service account a node's pod requests its certificate as: it may make and read CertificateRequests in the run's namespace, nothing else. */
export const REQUESTER = 'certdrill-cert-requester';
/** The init container that requests the node's certificate, named as erlclu's was. */
export const REQUEST_CONTAINER = 'erlclu-init';
/** Labels on each CertificateRequest: which pod made it. */
export const REQUEST_POD_LABEL = 'certdrill.pod';
const ISSUER_READY_MS = 120_000;
/** How long the init container waits for its request's answer before it gives up (and the pod with it). */
const REQUEST_TIMEOUT_S = 60;

const CM = { group: 'cert-manager.io', version: 'v1' } as const;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}
interface CertManagerObject {
  metadata?: { name?: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec?: { issuerRef?: { name?: string } };
  status?: { conditions?: Condition[]; certificate?: string; ca?: string; failureTime?: string };
}

/** The service account, Role and RoleBinding nodes' pods request certificates with. */
export async function ensureRequester(kc: KubeConfig, namespace: string, labels: Record<string, string>): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const metadata = { name: REQUESTER, namespace, labels };
  await core.createNamespacedServiceAccount({ namespace, body: { metadata } }).catch(ignoreExists);
  await rbac
    .createNamespacedRole({
      namespace,
      body: { metadata, rules: [{ apiGroups: [CM.group], resources: ['certificaterequests'], verbs: ['create', 'get'] }] },
    })
    .catch(ignoreExists);
  await rbac
    .createNamespacedRoleBinding({
      namespace,
      body: {
        metadata,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: REQUESTER },
        subjects: [{ kind: 'ServiceAccount', name: REQUESTER, namespace }],
      },
    })
    .catch(ignoreExists);
}

/**
 * The CA's Secret (type kubernetes.io/tls, as `kubectl create secret tls`
 * makes it) and the CA Issuer on it, made or replaced; then the Issuer's
 * Ready condition once its controller has looked at this version of it.
 */
export async function applyIssuer(kc: KubeConfig, namespace: string, issuer: IssuerSpec, labels: Record<string, string>): Promise<IssuerCondition> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const secret: V1Secret = {
    metadata: { name: issuer.secretName, namespace, labels },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(issuer.caCertPem).toString('base64'), 'tls.key': Buffer.from(issuer.caKeyPem).toString('base64') },
  };
  await core
    .replaceNamespacedSecret({ name: issuer.secretName, namespace, body: secret })
    .catch((error) => (isNotFound(error) ? core.createNamespacedSecret({ namespace, body: secret }) : Promise.reject(error)));
  const ref = { ...CM, namespace, plural: 'issuers', name: issuer.name };
  const existing = (await custom.getNamespacedCustomObject(ref).catch(() => undefined)) as { metadata?: { resourceVersion?: string } } | undefined;
  const body = {
    apiVersion: `${CM.group}/${CM.version}`,
    kind: 'Issuer',
    metadata: { name: issuer.name, namespace, labels, ...(existing ? { resourceVersion: existing.metadata?.resourceVersion } : {}) },
    spec: { ca: { secretName: issuer.secretName } },
  };
  const written = (
    existing
      ? await custom.replaceNamespacedCustomObject({ ...ref, body })
      : await custom.createNamespacedCustomObject({ ...CM, namespace, plural: 'issuers', body })
  ) as { metadata?: { generation?: number } };
  const generation = written.metadata?.generation ?? 1;
  let seen = 'no status yet';
  return pollUntil(
    async () => {
      const got = (await custom.getNamespacedCustomObject(ref)) as CertManagerObject;
      const ready = got.status?.conditions?.find((c) => c.type === 'Ready');
      if (!ready) return undefined;
      seen = conditionText(ready);
      return (ready.observedGeneration ?? generation) >= generation
        ? { status: ready.status, reason: ready.reason, message: ready.message }
        : undefined;
    },
    { timeoutMs: ISSUER_READY_MS, what: async () => `cert-manager to look at Issuer ${issuer.name} (its Ready condition: ${seen})` },
  );
}

/** Where the init container finds the node's trust bundle, when it has one. */
const TRUST_DIR = '/certdrill/trust-bundle';

/** The init container that does what erlclu-init did, writing into the folder the node reads its certificates from. */
export function requestContainer(
  request: RequestedCertificate,
  image: string,
  labels: Record<string, string>,
  mountName: string,
  trustMount: string | undefined,
  pullPolicy: 'Never' | 'IfNotPresent',
): V1Container {
  const env: Record<string, string> = {
    CERT_DIR: request.dir,
    CA_FILE: request.files.ca,
    CERT_FILE: request.files.cert,
    KEY_FILE: request.files.key,
    COMMON_NAME: request.commonName,
    DNS_NAMES: request.dnsNames.join(','),
    ISSUER: request.issuer,
    REQUEST_LABELS: JSON.stringify(labels),
    POD_LABEL: REQUEST_POD_LABEL,
    TIMEOUT_S: String(REQUEST_TIMEOUT_S),
    ...(request.trust && trustMount ? { TRUST_FILE: `${TRUST_DIR}/ca.crt` } : {}),
  };
  return {
    name: REQUEST_CONTAINER,
    image,
    imagePullPolicy: pullPolicy,
    env: [
      ...Object.entries(env).map(([name, value]) => ({ name, value })),
      { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    volumeMounts: [
      { name: mountName, mountPath: request.dir },
      ...(request.trust && trustMount ? [{ name: trustMount, mountPath: TRUST_DIR, readOnly: true }] : []),
    ],
  };
}

/**
 * The CertificateRequests a pod made, as the API server holds them now, with
 * the Issuer's Ready condition beside each: records for the timeline.
 */
export async function requestsOfPod(kc: KubeConfig, namespace: string, node: string, pod: string): Promise<CertificateRequestSeen[]> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const list = (await custom.listNamespacedCustomObject({
    ...CM,
    namespace,
    plural: 'certificaterequests',
    labelSelector: `${REQUEST_POD_LABEL}=${pod}`,
  })) as { items: CertManagerObject[] };
  const issuers = new Map<string, string>();
  const issuerReady = async (name: string) => {
    if (!issuers.has(name)) {
      const got = (await custom.getNamespacedCustomObject({ ...CM, namespace, plural: 'issuers', name }).catch(() => undefined)) as
        CertManagerObject | undefined;
      const ready = got?.status?.conditions?.find((c) => c.type === 'Ready');
      issuers.set(name, ready ? conditionText(ready) : got ? 'no condition yet' : 'no such Issuer');
    }
    return issuers.get(name)!;
  };
  const records: CertificateRequestSeen[] = [];
  for (const item of list.items.sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''))) {
    const issuer = item.spec?.issuerRef?.name ?? '?';
    records.push({ node, pod, issuer, ...requestState(item), issuerReady: await issuerReady(issuer) });
  }
  return records;
}

/** What one CertificateRequest object says: its conditions' times and the certificate and CA it holds. */
export function requestState(item: CertManagerObject): Omit<CertificateRequestSeen, 'node' | 'pod' | 'issuer' | 'issuerReady'> {
  const conditions = item.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const approved = conditions.find((c) => (c.type === 'Approved' || c.type === 'Denied') && c.status === 'True');
  const denied = approved?.type === 'Denied';
  const record: Omit<CertificateRequestSeen, 'node' | 'pod' | 'issuer' | 'issuerReady'> = {
    name: item.metadata?.name ?? '?',
    created: item.metadata?.creationTimestamp ?? '',
    state: denied ? 'Denied' : (ready?.reason ?? 'no Ready condition'),
  };
  if (approved?.lastTransitionTime && !denied) record.approved = approved.lastTransitionTime;
  if (ready && (ready.status === 'True' || ready.reason === 'Failed' || ready.reason === 'Denied') && ready.lastTransitionTime)
    record.ready = ready.lastTransitionTime;
  const message = denied ? approved?.message : ready?.message;
  if (message) record.message = message;
  const certificate = certificateFromBase64(item.status?.certificate);
  if (certificate) {
    record.notBefore = new Date(certificate.validFrom).toISOString();
    record.notAfter = new Date(certificate.validTo).toISOString();
    record.serial = certificate.serialNumber.toLowerCase();
    record.subject = oneLine(certificate.subject);
    record.signedBy = oneLine(certificate.issuer);
  }
  const ca = certificateFromBase64(item.status?.ca);
  if (ca) {
    record.signingCa = oneLine(ca.subject);
    record.signingCaNotAfter = new Date(ca.validTo).toISOString();
  }
  return record;
}

/** A distinguished name as node:crypto prints it (one attribute per line), on one line. */
function oneLine(name: string): string {
  return name.trim().split('\n').join(', ');
}

function conditionText(condition: Condition): string {
  return `${condition.status}${condition.reason ? ` (${condition.reason}${condition.message ? `: ${condition.message}` : ''})` : ''}`;
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

function ignoreExists(error: unknown): void {
  if ((error as { code?: number }).code !== 409) throw error;
}
