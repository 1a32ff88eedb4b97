import { X509Certificate } from 'node:crypto';

/**
 * What a file holds, as far as certificates go: its certificates, or why it
 * holds none. Private keys are recognised by their PEM label and never
 * decoded.
 */
export type FileContent =
  | { kind: 'certificates'; certs: X509Certificate[] }
  | { kind: 'private key'; encrypted: boolean }
  | { kind: 'other pem'; label: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'not pem' };

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const KEY_LABEL = /PRIVATE KEY$/;

export function readCertificateFile(bytes: Buffer): FileContent {
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN ')) return derCertificate(bytes);
  const blocks = [...text.matchAll(BLOCK)];
  if (blocks.length === 0) return { kind: 'malformed', reason: 'a PEM BEGIN line with no matching END line' };
  const certBlocks = blocks.filter((b) => b[1] === 'CERTIFICATE' || b[1] === 'TRUSTED CERTIFICATE');
  if (certBlocks.length === 0) {
    const key = blocks.find((b) => KEY_LABEL.test(b[1]!));
    if (key) return { kind: 'private key', encrypted: key[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(key[2]!) };
    return { kind: 'other pem', label: blocks[0]![1]! };
  }
  const certs: X509Certificate[] = [];
  for (const [index, block] of certBlocks.entries()) {
    try {
      certs.push(new X509Certificate(block[0]));
    } catch (error) {
      return { kind: 'malformed', reason: `certificate ${index + 1} of ${certBlocks.length} does not parse (${(error as Error).message})` };
    }
  }
  return { kind: 'certificates', certs };
}

/** A binary file may be one DER certificate (.der, .cer). */
function derCertificate(bytes: Buffer): FileContent {
  if (bytes.length < 64 || bytes[0] !== 0x30) return { kind: 'not pem' };
  try {
    return { kind: 'certificates', certs: [new X509Certificate(bytes)] };
  } catch {
    return { kind: 'not pem' };
  }
}

/** Why a single file named as the source cannot be inspected, or undefined if it holds certificates. */
export function notACertificate(content: FileContent): string | undefined {
  switch (content.kind) {
    case 'certificates':
      return undefined;
    case 'private key':
      return content.encrypted
        ? 'is an encrypted private key, not a certificate'
        : 'is a private key, not a certificate (certdrill never reads keys)';
    case 'other pem':
      return `holds a PEM ${content.label}, not a certificate`;
    case 'malformed':
      return `is a malformed PEM: ${content.reason}`;
    case 'not pem':
      return 'is neither a PEM nor a DER certificate';
  }
}
