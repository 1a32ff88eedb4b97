import { generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { inspectCertificate, type CertificateInfo } from './inspect.js';
import { resolveWindow, type ValidityWindow } from './validity.js';

export type Usage = 'server' | 'client';

/** A certificate with its private key, both PEM, and what it says about itself. */
export interface Forged {
  /** Short name used for file names and in reports, e.g. `cluster-ca`, `node1`. */
  name: string;
  certPem: string;
  keyPem: string;
  info: CertificateInfo;
  /** How the certificate was made; a report shows it next to the dates. */
  madeBy: string;
  /** The CA that signed it; undefined for a self-signed CA. */
  issuer?: Forged;
}

export interface CaOptions extends ValidityWindow {
  commonName?: string;
  keyBits?: number;
}

export interface LeafOptions extends ValidityWindow {
  ca: Forged;
  commonName?: string;
  /** DNS names and IP addresses for subjectAltName. */
  altNames?: string[];
  /** Extended key usages; default both, as TLS distribution and etcd peers need. */
  usages?: Usage[];
  keyBits?: number;
}

const ORGANIZATION = 'certdrill';

/** A self-signed CA whose validity window can lie anywhere: past, present or future. */
export function forgeCa(name: string, options: CaOptions, reference: Date = new Date()): Forged {
  const window = resolveWindow(options, reference);
  const keys = rsaKeyPair(options.keyBits);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = window.notBefore;
  cert.validity.notAfter = window.notAfter;
  const subject = distinguishedName(options.commonName ?? name);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return finish(name, cert, keys.privateKey);
}

/** A leaf certificate signed by `options.ca`, for server and/or client authentication. */
export function forgeLeaf(name: string, options: LeafOptions, reference: Date = new Date()): Forged {
  const window = resolveWindow(options, reference);
  const keys = rsaKeyPair(options.keyBits);
  const caCert = forge.pki.certificateFromPem(options.ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(options.ca.keyPem);
  const usages = options.usages ?? ['server', 'client'];
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = window.notBefore;
  cert.validity.notAfter = window.notAfter;
  cert.setSubject(distinguishedName(options.commonName ?? name));
  cert.setIssuer(caCert.subject.attributes);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: usages.includes('server'), clientAuth: usages.includes('client') },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  const altNames = options.altNames ?? [name];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames: altNames.map(altName) });
  cert.setExtensions(extensions);
  cert.sign(caKey, forge.md.sha256.create());
  return { ...finish(name, cert, keys.privateKey), issuer: options.ca };
}

function finish(name: string, cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): Forged {
  const certPem = forge.pki.certificateToPem(cert);
  return {
    name,
    certPem,
    keyPem: forge.pki.privateKeyToPem(key),
    info: inspectCertificate(certPem),
    madeBy: 'node-forge',
  };
}

const KEY_OPTIONS = {
  publicKeyEncoding: { type: 'spki' as const, format: 'pem' as const },
  privateKeyEncoding: { type: 'pkcs8' as const, format: 'pem' as const },
};
const spareKeys: { bits: number; publicKey: string; privateKey: string }[] = [];

/**
 * Generates RSA keys on libuv's thread pool, all at once, for the forging
 * that follows: a 2048-bit key takes about 0.2 s, and a run forges several.
 * Keys are made fresh for each run and live in this process only.
 */
export async function prepareKeys(count: number, bits = 2048): Promise<void> {
  const one = () =>
    new Promise<{ publicKey: string; privateKey: string }>((resolve, reject) =>
      generateKeyPair('rsa', { modulusLength: bits, ...KEY_OPTIONS }, (error: Error | null, publicKey: string, privateKey: string) =>
        error ? reject(error) : resolve({ publicKey, privateKey }),
      ),
    );
  const made = await Promise.all(Array.from({ length: count }, one));
  spareKeys.push(...made.map((k) => ({ bits, ...k })));
}

/**
 * Tops the spare keys up to `count`, off the event loop: what a run calls
 * before it may forge while it observes (a restart, a manager re-issuing),
 * since a key made on the spot blocks the loop, and with it the probes'
 * deadlines, for a second or more on a busy host.
 */
export async function ensureSpareKeys(count: number, bits = 2048): Promise<void> {
  const missing = count - spareKeys.filter((k) => k.bits === bits).length;
  if (missing > 0) await prepareKeys(missing, bits);
}

// Node's native RSA generation is orders of magnitude faster than forge's pure-JS one.
function rsaKeyPair(bits = 2048): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const spare = spareKeys.findIndex((k) => k.bits === bits);
  const { publicKey, privateKey }: { publicKey: string; privateKey: string } =
    spare >= 0
      ? spareKeys.splice(spare, 1)[0]!
      : generateKeyPairSync('rsa', {
          modulusLength: bits,
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        });
  return { publicKey: forge.pki.publicKeyFromPem(publicKey), privateKey: forge.pki.privateKeyFromPem(privateKey) };
}

// 16 random bytes, the first in 0x01..0x7f: positive and minimally encoded, as RFC 5280 requires.
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function distinguishedName(commonName: string): forge.pki.CertificateField[] {
  return [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: ORGANIZATION },
  ];
}

function altName(value: string): { type: number; value?: string; ip?: string } {
  // GeneralName tags: 2 = dNSName, 7 = iPAddress.
  return isIP(value) ? { type: 7, ip: value } : { type: 2, value };
}
