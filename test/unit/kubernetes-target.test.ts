import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCertdrillNamespace } from '../../src/platform/kubernetes/namespaces.js';
import { describePermission, RUN_PERMISSIONS } from '../../src/platform/kubernetes/permissions.js';
import { kubernetesTarget, productionPattern } from '../../src/platform/kubernetes/target.js';
import { UsageError } from '../../src/util/errors.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: { server: "https://127.0.0.1:1" }
users:
- name: u
  user: { token: x }
contexts:
- name: gke_shop_europe-west1_prod
  context: { cluster: c, user: u }
- name: kind-certdrill
  context: { cluster: c, user: u }
current-context: kind-certdrill
`;

describe('the cluster a kubeconfig points certdrill at', () => {
  const saved = process.env.KUBECONFIG;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certdrill-kubeconfig-'));
    process.env.KUBECONFIG = join(dir, 'config');
    await writeFile(process.env.KUBECONFIG, KUBECONFIG);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });

  it('is the current context unless one is named, and an unknown one is named with those there are', () => {
    expect(kubernetesTarget({}).context).toBe('kind-certdrill');
    expect(kubernetesTarget({}).server).toBe('https://127.0.0.1:1');
    expect(() => kubernetesTarget({ context: 'nope' })).toThrow(
      'the kubeconfig has no context nope: it has gke_shop_europe-west1_prod, kind-certdrill',
    );
  });

  it('refuses a context named like production in one line, unless told --yes-this-cluster', () => {
    const refused = () => kubernetesTarget({ context: 'gke_shop_europe-west1_prod' });
    expect(refused).toThrow(UsageError);
    expect(refused).toThrow(/^context gke_shop_europe-west1_prod looks like production .*: .*add --yes-this-cluster if this cluster is meant$/);
    expect(kubernetesTarget({ context: 'gke_shop_europe-west1_prod', yesThisCluster: true }).context).toBe('gke_shop_europe-west1_prod');
  });

  it('takes what production looks like from CERTDRILL_PRODUCTION_CONTEXTS, and says so when it is no regular expression', () => {
    expect(() => kubernetesTarget({}, { CERTDRILL_PRODUCTION_CONTEXTS: '^kind-' })).toThrow(/^context kind-certdrill looks like production/);
    expect(() => productionPattern({ CERTDRILL_PRODUCTION_CONTEXTS: '(' })).toThrow(/^CERTDRILL_PRODUCTION_CONTEXTS=\( is not a regular expression/);
  });
});

describe('the default production pattern', () => {
  const pattern = productionPattern({});
  it.each(['prod', 'prod-eu', 'gke_shop_europe-west1_prod', 'arn:aws:eks:eu-west-1:1:cluster/production', 'live.example', 'admin@PROD'])(
    'matches %s',
    (name) => expect(pattern.test(name)).toBe(true),
  );
  it.each(['kind-certdrill', 'staging', 'product-dev', 'preprod-lab', 'delivery'])('leaves %s', (name) => expect(pattern.test(name)).toBe(false));
});

describe("certdrill's namespaces", () => {
  const ns = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels } });
  it('are those named certdrill-* and labelled part-of certdrill, both', () => {
    expect(isCertdrillNamespace(ns('certdrill-abc', { 'app.kubernetes.io/part-of': 'certdrill' }))).toBe(true);
    expect(isCertdrillNamespace(ns('certdrill-abc', {}))).toBe(false);
    expect(isCertdrillNamespace(ns('payments', { 'app.kubernetes.io/part-of': 'certdrill' }))).toBe(false);
  });
});

describe('the permissions a run needs', () => {
  it('name each as kubectl auth can-i takes it', () => {
    const names = RUN_PERMISSIONS.map(describePermission);
    expect(names).toContain('create namespaces');
    expect(names).toContain('create pods/exec');
    expect(names).toContain('create deployments.apps');
    expect(names).toContain('create customresourcedefinitions.apiextensions.k8s.io');
    expect(new Set(names).size).toBe(names.length);
  });
});
