import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { forgeCa, forgeLeaf, type Forged } from '../../src/pki/index.js';

/** Folders of certificates shaped like real clusters', forged by certdrill (keys 0600 beside them, as on a host). */

async function put(path: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode });
}

/** etcd-manager's layout on a kops control plane: /mnt/master-vol-<n>/pki/<hash>/{clients,peers}/ per member. */
export async function kopsPkiFolder(
  dir: string,
  now: Date,
  options: { leafValidFor?: string; leafFrom?: string; serverValidFor?: string } = {},
): Promise<{ peersCa: Forged; clientsCa: Forged; peers: Forged[] }> {
  const peersCa = forgeCa('etcd-peers-ca', { from: '-300d', validFor: '10y', commonName: 'etcd-peers-ca-main' }, now);
  const clientsCa = forgeCa('etcd-clients-ca', { from: '-300d', validFor: '10y', commonName: 'etcd-clients-ca-main' }, now);
  const peers: Forged[] = [];
  for (const [i, member] of ['etcd-a', 'etcd-b', 'etcd-c'].entries()) {
    const pki = join(dir, `mnt/master-vol-${i}/pki/5f2a${i}e`);
    const window = { from: options.leafFrom ?? '-300d', validFor: options.leafValidFor ?? '1y' };
    const peer = forgeLeaf(`${member}-peer`, { ca: peersCa, ...window, commonName: member, altNames: [member] }, now);
    const server = forgeLeaf(
      `${member}-server`,
      {
        ca: clientsCa,
        ...window,
        ...(options.serverValidFor ? { validFor: options.serverValidFor } : {}),
        commonName: member,
        altNames: [member, '127.0.0.1'],
      },
      now,
    );
    peers.push(peer);
    await put(join(pki, 'peers/ca.crt'), peersCa.certPem);
    await put(join(pki, 'peers/me.crt'), peer.certPem);
    await put(join(pki, 'peers/me.key'), peer.keyPem, 0o600);
    await put(join(pki, 'clients/ca.crt'), clientsCa.certPem);
    await put(join(pki, 'clients/server.crt'), server.certPem);
    await put(join(pki, 'clients/server.key'), server.keyPem, 0o600);
  }
  return { peersCa, clientsCa, peers };
}

/**
 * The Erlang incident's shape: cert-manager's CA (`erlclu-ca-key-pair`) valid
 * 30 days, node certificates valid 90 days under it, exported as
 * `kubectl get secret -o yaml` would (the CA's Secret holds its key too).
 */
export async function incidentSecretsFolder(dir: string, now: Date): Promise<{ ca: Forged; leaves: Forged[] }> {
  const ca = forgeCa('erlclu-ca', { from: '-20d', validFor: '30d', commonName: 'erlclu-ca' }, now);
  const leaves = ['erlclu-0', 'erlclu-1', 'erlclu-2'].map((node) =>
    forgeLeaf(node, { ca, from: '-10d', validFor: '90d', commonName: node, altNames: [`${node}.erlclu.default.svc.cluster.local`] }, now),
  );
  const secret = (name: string, cert: Forged, caPem: string) =>
    [
      'apiVersion: v1',
      'kind: Secret',
      'type: kubernetes.io/tls',
      'metadata:',
      `  name: ${name}`,
      '  namespace: erlclu',
      '  annotations:',
      '    cert-manager.io/issuer-name: erlclu-issuer',
      'data:',
      `  ca.crt: ${Buffer.from(caPem).toString('base64')}`,
      `  tls.crt: ${Buffer.from(cert.certPem).toString('base64')}`,
      `  tls.key: ${Buffer.from(cert.keyPem).toString('base64')}`,
    ].join('\n');
  await put(join(dir, 'erlclu-ca-key-pair.yaml'), secret('erlclu-ca-key-pair', ca, ca.certPem), 0o600);
  await put(join(dir, 'node-certs.yaml'), leaves.map((leaf) => secret(`${leaf.name}-tls`, leaf, ca.certPem)).join('\n---\n'), 0o600);
  return { ca, leaves };
}
