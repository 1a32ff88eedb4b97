import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

/** One thing a run does in a cluster, as the API server authorizes it, and what it is for. */
export interface Permission {
  verb: string;
  group: string;
  resource: string;
  /** false: cluster-wide (namespaces, nodes, CRDs); true: in the run's namespace. */
  namespaced: boolean;
  why: string;
}

const CORE_IN_NAMESPACE = ['secrets', 'configmaps', 'services', 'pods', 'serviceaccounts', 'persistentvolumeclaims'] as const;
const CERT_MANAGER = 'cert-manager.io';

/**
 * What a run does, every verb of it: its namespace made and deleted, the
 * nodes' objects in it, exec, logs and port-forwards into the pods, and, for
 * the scenarios issued by cert-manager, its CRDs and its controller's Role.
 * A Role may only grant what its maker holds: so the controller's and the
 * requester's verbs are asked for too.
 */
export const RUN_PERMISSIONS: readonly Permission[] = [
  ...['create', 'get', 'list', 'delete'].map((verb) => ({ verb, group: '', resource: 'namespaces', namespaced: false, why: "the run's namespace" })),
  { verb: 'list', group: '', resource: 'nodes', namespaced: false, why: "a node's address, to reach the pods through NodePorts" },
  {
    verb: 'list',
    group: 'storage.k8s.io',
    resource: 'storageclasses',
    namespaced: false,
    why: "the StorageClass of the nodes' persistent folders (etcd scenarios)",
  },
  ...CORE_IN_NAMESPACE.flatMap((resource) =>
    ['create', 'get', 'list', 'update', 'delete'].map((verb) => ({ verb, group: '', resource, namespaced: true, why: "the nodes' objects" })),
  ),
  ...['create', 'get', 'list', 'update', 'delete'].map((verb) => ({
    verb,
    group: 'apps',
    resource: 'deployments',
    namespaced: true,
    why: 'a Deployment per node',
  })),
  { verb: 'create', group: '', resource: 'pods/exec', namespaced: true, why: "the probes and clock moves run in the nodes' pods" },
  { verb: 'get', group: '', resource: 'pods/log', namespaced: true, why: "the nodes' logs" },
  { verb: 'create', group: '', resource: 'pods/portforward', namespaced: true, why: 'probes where the nodes cannot be reached directly' },
  ...['create', 'get'].map((verb) => ({
    verb,
    group: 'apiextensions.k8s.io',
    resource: 'customresourcedefinitions',
    namespaced: false,
    why: "cert-manager's CRDs (cert-manager scenarios)",
  })),
  ...['create', 'get', 'update'].map((verb) => ({
    verb,
    group: CERT_MANAGER,
    resource: 'issuers',
    namespaced: true,
    why: 'the Issuer (cert-manager scenarios)',
  })),
  ...['create', 'get', 'list', 'watch', 'update', 'patch'].map((verb) => ({
    verb,
    group: CERT_MANAGER,
    resource: 'certificaterequests',
    namespaced: true,
    why: "the nodes' CertificateRequests, and the controller's Role (cert-manager scenarios)",
  })),
  ...['create', 'delete'].flatMap((verb) =>
    ['roles', 'rolebindings'].map((resource) => ({
      verb,
      group: 'rbac.authorization.k8s.io',
      resource,
      namespaced: true,
      why: "the controller's and the requesters' Roles (cert-manager scenarios)",
    })),
  ),
  { verb: 'create', group: '', resource: 'events', namespaced: true, why: "the controller's Role grants it (cert-manager scenarios)" },
];

/** Each permission a run needs in `namespace`, and whether the context has it (SelfSubjectAccessReview, as `kubectl auth can-i`). */
export async function checkPermissions(
  kc: KubeConfig,
  namespace: string,
  permissions: readonly Permission[] = RUN_PERMISSIONS,
): Promise<{ permission: Permission; allowed: boolean; reason?: string }[]> {
  const api = kc.makeApiClient(AuthorizationV1Api);
  return Promise.all(
    permissions.map(async (permission) => {
      const [resource, subresource] = permission.resource.split('/');
      const review = await api.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: permission.verb,
              group: permission.group,
              resource,
              ...(subresource ? { subresource } : {}),
              ...(permission.namespaced ? { namespace } : {}),
            },
          },
        },
      });
      return { permission, allowed: review.status?.allowed === true, ...(review.status?.reason ? { reason: review.status.reason } : {}) };
    }),
  );
}

/** `verb group/resource`, as `kubectl auth can-i` takes it. */
export function describePermission(p: Permission): string {
  return `${p.verb} ${p.group ? `${p.resource.split('/')[0]}.${p.group}${p.resource.includes('/') ? `/${p.resource.split('/')[1]}` : ''}` : p.resource}`;
}
