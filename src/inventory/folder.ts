import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { inspectCertificate } from '../pki/inspect.js';
import { UsageError } from '../util/errors.js';
import { SOURCE_FORMS } from './source-forms.js';
import { notACertificate, readCertificateFile } from './pem.js';
import { addTlsSecret, tlsSecretsIn, type SecretObject } from './secret.js';
import type { FoundCertificate, Inventory } from './types.js';

/** Files a folder walk reads; others (READMEs, kubeconfigs, .pub keys) are left alone unless they hold a PEM. */
const CERTIFICATE_NAME = /\.(crt|pem|cer|der|cert)$/i;
const LARGEST_FILE = 1 << 20;
/** Exported manifests (`kubectl get secret -o yaml`): their kubernetes.io/tls Secrets are read like the cluster's. */
const MANIFEST_NAME = /\.(ya?ml|json)$/i;

/**
 * Certificates from a file or, recursively, a folder. Keys are recognised and
 * skipped unread. A folder reports what it can and lists what it cannot; a
 * single file that holds no certificate is bad input.
 */
export async function readFolder(path: string): Promise<Inventory> {
  const found = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file or folder' : error.message}`);
  });
  const inventory: Inventory = { source: path, certificates: [], unreadable: [], keysSkipped: 0, certManager: [] };
  if (found.isFile()) {
    const bytes = await readFile(path).catch((error: Error) => {
      throw new UsageError(`cannot read ${path}: ${error.message}`);
    });
    const problem = await readFile_(inventory, path, basename(path), bytes);
    if (inventory.certificates.length === 0)
      throw new UsageError(`${path} ${problem ?? inventory.unreadable[0]?.reason ?? 'holds no certificate'}: give ${SOURCE_FORMS}`);
    return inventory;
  }
  if (!found.isDirectory()) throw new UsageError(`${path} is neither a file nor a folder`);
  const entries = await readdir(path, { recursive: true, withFileTypes: true }).catch((error: Error) => {
    throw new UsageError(`cannot read the folder ${path}: ${error.message}`);
  });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files) {
    const name = relative(path, file).split(sep).join('/');
    let bytes: Buffer;
    try {
      if ((await stat(file)).size > LARGEST_FILE) continue;
      bytes = await readFile(file);
    } catch (error) {
      inventory.unreadable.push({ from: name, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
      continue;
    }
    const problem = await readFile_(inventory, name, name, bytes);
    if (problem && (CERTIFICATE_NAME.test(name) || problem.startsWith('is a malformed'))) inventory.unreadable.push({ from: name, reason: problem });
  }
  if (inventory.certificates.length === 0) {
    const [bad, ...more] = inventory.unreadable;
    const why = bad ? ` (${bad.from} ${bad.reason}${more.length ? `, and ${more.length} more not read` : ''})` : '';
    throw new UsageError(`${path} holds no readable certificate${why}: give a folder of .crt, .pem, .cer or .der files or exported TLS Secrets`);
  }
  return inventory;
}

/**
 * Adds what one file holds to the inventory; returns why it holds no
 * certificate (a key is not a problem in a folder: it is counted, unread).
 */
async function readFile_(inventory: Inventory, path: string, name: string, bytes: Buffer): Promise<string | undefined> {
  if (MANIFEST_NAME.test(name)) {
    const secrets = await secretsInManifest(name, bytes);
    if (secrets === undefined) return 'is neither JSON nor YAML';
    for (const secret of secrets) addTlsSecret(inventory, secret, name);
    return secrets.length ? undefined : 'holds no kubernetes.io/tls Secret';
  }
  const content = readCertificateFile(bytes);
  if (content.kind === 'certificates') {
    content.certs.forEach((cert, i) => inventory.certificates.push(found_(cert, content.certs.length > 1 ? `${name} #${i + 1}` : name, path)));
    return undefined;
  }
  if (content.kind === 'private key') inventory.keysSkipped++;
  return notACertificate(content);
}

/** A manifest's TLS Secrets; undefined if the file does not parse. YAML is parsed by client-node's parser, loaded only when a YAML file is met. */
async function secretsInManifest(name: string, bytes: Buffer): Promise<SecretObject[] | undefined> {
  const text = bytes.toString('utf8');
  try {
    if (/\.json$/i.test(name)) return tlsSecretsIn([JSON.parse(text)]);
    const { loadAllYaml } = await import('@kubernetes/client-node');
    return tlsSecretsIn(loadAllYaml(text));
  } catch {
    return undefined;
  }
}

function found_(cert: FoundCertificate['cert'], from: string, path: string): FoundCertificate {
  const role = roleOf(path);
  return { cert, info: inspectCertificate(cert.toString()), from, ...(role ? { role } : {}) };
}

/** kubeadm's names for /etc/kubernetes/pki's files, as `kubeadm certs check-expiration` shows them. */
const KUBEADM: Record<string, string> = {
  'ca.crt': 'kubernetes CA',
  'apiserver.crt': 'apiserver',
  'apiserver-kubelet-client.crt': 'apiserver-kubelet-client',
  'apiserver-etcd-client.crt': 'apiserver-etcd-client',
  'front-proxy-ca.crt': 'front-proxy CA',
  'front-proxy-client.crt': 'front-proxy-client',
  'etcd/ca.crt': 'etcd CA',
  'etcd/server.crt': 'etcd-server',
  'etcd/peer.crt': 'etcd-peer',
  'etcd/healthcheck-client.crt': 'etcd-healthcheck-client',
};

/** What a file's place in a known layout says it is: etcd-manager's pki/<hash>/{clients,peers}/, or kubeadm's. */
export function roleOf(path: string): string | undefined {
  const normal = path.split(sep).join('/');
  const kops = /(?:^|\/)pki\/[^/]+\/(clients|peers)\/([^/]+)$/.exec(normal);
  if (kops) {
    const [, folder, file] = kops;
    if (file === 'ca.crt') return `etcd-manager ${folder} CA`;
    if (folder === 'peers') return 'etcd peer (etcd-manager)';
    return file === 'server.crt' ? 'etcd server (etcd-manager)' : `etcd client (etcd-manager ${file})`;
  }
  const kubeadm = Object.keys(KUBEADM).find((k) => normal === k || normal.endsWith(`/${k}`));
  return kubeadm ? KUBEADM[kubeadm] : undefined;
}
