import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  loadAllYaml,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { runBuildScript } from '../../../util/build-script.js';
import { pollUntil } from '../../../util/deadline.js';
import type { ImageSource } from '../../types.js';

const BUILD = fileURLToPath(new URL('./build.sh', import.meta.url));
const NAME = 'cert-manager';
const WAIT_MS = 120_000;

/**
 * What the CA issuer needs of cert-manager's controllers: the Issuers'
 * readiness, the approver (a signer waits for its approval) and the CA signer.
 */
const CONTROLLERS = ['issuers', 'certificaterequests-approver', 'certificaterequests-issuer-ca'];

/**
 * The controller image to run instead of building one: cert-manager's
 * published controller at the pinned version (a registry's or a mirror's
 * reference), pulled where this host reaches it.
 */
export const CERT_MANAGER_IMAGE_ENV = 'CERTDRILL_CERT_MANAGER_IMAGE';

/** cert-manager's controller (../build.sh builds it from the Go module proxy) in certdrill's Debian base image. */
export const CERT_MANAGER_IMAGE: ImageSource = {
  repository: 'certdrill/cert-manager-controller',
  context: fileURLToPath(new URL('./image', import.meta.url)),
  prebuild: async (progress) => ({ controller: dirname(await controllerBinary(progress)) }),
};

/** The controller's static binary, built (or found in the cache) by ../build.sh. */
export function controllerBinary(progress: (line: string) => void = () => {}): Promise<string> {
  return runBuildScript(BUILD, [], '[cert-manager]', progress);
}

/** cert-manager's CRDs at the pinned version, from its module (the chart's template labels stripped). */
export async function certManagerCrds(progress: (line: string) => void = () => {}): Promise<KubernetesObject[]> {
  const dir = await runBuildScript(BUILD, ['--crds'], '[cert-manager]', progress);
  const crds: KubernetesObject[] = [];
  for (const file of (await readdir(dir)).sort()) crds.push(...(loadAllYaml(await readFile(join(dir, file), 'utf8')) as KubernetesObject[]));
  return crds;
}

/**
 * Installs cert-manager as an operator does, scoped to one namespace: its
 * CRDs (cluster-wide, left for the next run: they hold nothing), each waited
 * on until Established, then in `namespace` a service account, the Role its
 * controllers need there, and the controller's Deployment running `image`,
 * waited on until available. Issuers and CertificateRequests made after it
 * returns are served. (An Issuer made while the CRDs were still being set up
 * was, in 2 of 5 runs on a fresh cluster, never reconciled.)
 */
export async function installCertManager(
  kc: KubeConfig,
  namespace: string,
  image: string,
  progress: (line: string) => void,
  /** Never where certdrill loaded the image into the nodes (kind), IfNotPresent where they pull it from a registry. */
  pullPolicy: 'Never' | 'IfNotPresent' = 'IfNotPresent',
): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const crds = await certManagerCrds(progress);
  for (const crd of crds) await objects.create(crd).catch((error: { code?: number }) => (error.code === 409 ? undefined : Promise.reject(error)));
  const extensions = kc.makeApiClient(ApiextensionsV1Api);
  await pollUntil(
    async () => {
      for (const crd of crds) {
        const got = await extensions.readCustomResourceDefinition({ name: crd.metadata!.name! });
        if (!got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return undefined;
      }
      return true;
    },
    { timeoutMs: WAIT_MS, what: `cert-manager's ${crds.length} CRDs to be Established` },
  );

  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: NAME, namespace } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: NAME, namespace },
      rules: [
        {
          apiGroups: ['cert-manager.io'],
          resources: ['issuers', 'issuers/status', 'certificaterequests', 'certificaterequests/status'],
          verbs: ['get', 'list', 'watch', 'update', 'patch'],
        },
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: NAME, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace }],
    },
  });
  const apps = kc.makeApiClient(AppsV1Api);
  await apps.createNamespacedDeployment({ namespace, body: controllerDeployment(namespace, image, pullPolicy) });
  progress(`cert-manager: controller starting in namespace ${namespace} (${image})`);
  await pollUntil(
    async () => (((await apps.readNamespacedDeployment({ name: NAME, namespace })).status?.availableReplicas ?? 0) > 0 ? true : undefined),
    { timeoutMs: WAIT_MS, what: async () => `the cert-manager controller to be available: ${await podState(core, namespace)}` },
  );
}

/** The controller's Deployment: one replica, no leader election, its controllers scoped to `namespace`. */
export function controllerDeployment(namespace: string, image: string, pullPolicy: 'Never' | 'IfNotPresent'): V1Deployment {
  const labels = { app: NAME };
  return {
    metadata: { name: NAME, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: NAME,
          containers: [
            {
              name: 'controller',
              image,
              imagePullPolicy: pullPolicy,
              args: [
                '--leader-elect=false',
                `--namespace=${namespace}`,
                `--cluster-resource-namespace=${namespace}`,
                `--controllers=${CONTROLLERS.join(',')}`,
                '--metrics-listen-address=127.0.0.1:9402',
              ],
              securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

/** Why the controller's pod is not running, in one line: its phase and its container's waiting or terminated reason. */
async function podState(core: CoreV1Api, namespace: string): Promise<string> {
  const pod = (await core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` }).catch(() => undefined))?.items[0];
  if (!pod) return 'no pod';
  const status = pod.status?.containerStatuses?.[0]?.state;
  const why = status?.waiting
    ? `${status.waiting.reason}: ${status.waiting.message ?? ''}`
    : status?.terminated
      ? `exited ${status.terminated.exitCode}`
      : '';
  return `pod ${pod.metadata?.name} ${pod.status?.phase}${why ? ` (${why.trim()})` : ''}`;
}
