import { inspectCertificate } from '../pki/inspect.js';
import { readCertificateFile } from './pem.js';
import type { Inventory } from './types.js';

/** The parts of a Secret that matter here, as the API and `kubectl get secret -o yaml` give them. */
export interface SecretObject {
  kind?: string;
  type?: string;
  metadata?: { namespace?: string; name?: string };
  data?: Record<string, string>;
  items?: SecretObject[];
}

/**
 * Adds a `kubernetes.io/tls` Secret's certificates (tls.crt, ca.crt) to the
 * inventory; its tls.key is counted, never decoded. `place` says where the
 * Secret came from when it is not the cluster itself (a file).
 */
export function addTlsSecret(inventory: Inventory, secret: SecretObject, place?: string): void {
  const name = `secret ${secret.metadata?.namespace ?? 'default'}/${secret.metadata?.name ?? '?'}${place ? ` in ${place}` : ''}`;
  const data = secret.data ?? {};
  if (data['tls.key']) inventory.keysSkipped++;
  for (const field of ['tls.crt', 'ca.crt']) {
    const value = data[field];
    if (!value) continue;
    const content = readCertificateFile(Buffer.from(value, 'base64'));
    if (content.kind !== 'certificates') {
      inventory.unreadable.push({
        from: `${name} ${field}`,
        reason: content.kind === 'malformed' ? `is a malformed PEM: ${content.reason}` : 'holds no certificate',
      });
      continue;
    }
    content.certs.forEach((cert, i) =>
      inventory.certificates.push({
        cert,
        info: inspectCertificate(cert.toString()),
        from: content.certs.length > 1 ? `${name} ${field} #${i + 1}` : `${name} ${field}`,
        ...(field === 'ca.crt' ? { role: 'CA of the Secret' } : {}),
      }),
    );
  }
}

/** The TLS Secrets in a manifest (one object, a List, or several YAML documents), or none. */
export function tlsSecretsIn(documents: unknown[]): SecretObject[] {
  const secrets: SecretObject[] = [];
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    const object = value as SecretObject;
    if (Array.isArray(object.items)) object.items.forEach(visit);
    if (object.kind === 'Secret' && object.type === 'kubernetes.io/tls') secrets.push(object);
  };
  documents.forEach(visit);
  return secrets;
}
