import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIBFAKETIME_ON_HOSTS } from '../clock/faketime.js';
import { EnvironmentError } from '../util/errors.js';
import type { Forged, Usage } from './certificate.js';
import { inspectCertificate } from './inspect.js';
import { resolveWhen, type When } from './validity.js';

export interface OpensslOptions {
  /** The instant the certificate is issued at: libfaketime sets openssl's clock to it. */
  issuedAt: When;
  /** Lifetime in days, as `openssl x509 -days` takes it. */
  days: number;
  /** The signing CA; omit for a self-signed CA. */
  ca?: Forged;
  commonName?: string;
  altNames?: string[];
  usages?: Usage[];
}

/**
 * Issues a certificate the way an operator (or an old etcd-manager) did on the
 * day: the real `openssl`, run under libfaketime stopped at the instant, so
 * notBefore is that instant and notAfter `days` later, exactly as openssl
 * computes them. libfaketime is preloaded directly rather than through the
 * `faketime` wrapper: the wrapper shares its clock with children through a
 * semaphore and shared memory named after its pid, which a killed wrapper
 * leaves in /dev/shm, and a later wrapper given the same pid then fails
 * ("sem_open: File exists").
 */
export async function forgeWithOpenssl(name: string, options: OpensslOptions, reference: Date = new Date()): Promise<Forged> {
  const issuedAt = resolveWhen(options.issuedAt, reference);
  const stamp = issuedAt.toISOString().slice(0, 19).replace('T', ' ');
  const dir = await mkdtemp(join(tmpdir(), 'certdrill-openssl-'));
  const path = (file: string) => join(dir, file);
  const env = { TZ: 'UTC' };
  try {
    await writeFile(path('ext.cnf'), extensions(name, options), { mode: 0o600 });
    const subject = `/CN=${options.commonName ?? name}/O=certdrill`;
    await run(
      ['openssl', 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('key.pem'), '-out', path('csr.pem'), '-subj', subject],
      env,
    );
    const serial = `0x${randomBytes(16).toString('hex').replace(/^./, '1')}`;
    const sign = options.ca ? await writeSigner(dir, options.ca).then((ca) => ['-CA', ca.cert, '-CAkey', ca.key]) : ['-signkey', path('key.pem')];
    // A clock stopped at the instant (an absolute FAKETIME), so notBefore is exactly it: a running clock may tick past a second.
    await run(
      [
        'openssl',
        'x509',
        '-req',
        '-in',
        path('csr.pem'),
        ...sign,
        '-set_serial',
        serial,
        '-days',
        String(options.days),
        '-sha256',
        '-extfile',
        path('ext.cnf'),
        '-extensions',
        'ext',
        '-out',
        path('cert.pem'),
      ],
      { ...env, LD_PRELOAD: libfaketime(), FAKETIME: stamp },
    );
    const certPem = await readFile(path('cert.pem'), 'utf8');
    return {
      name,
      certPem,
      keyPem: await readFile(path('key.pem'), 'utf8'),
      info: inspectCertificate(certPem),
      madeBy: `openssl under faketime '${stamp}', -days ${options.days}`,
      issuer: options.ca,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function extensions(name: string, options: OpensslOptions): string {
  const lines = ['[ext]', 'subjectKeyIdentifier = hash'];
  if (!options.ca) {
    lines.push('basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign, digitalSignature');
  } else {
    const usages = options.usages ?? ['server', 'client'];
    lines.push(
      'authorityKeyIdentifier = keyid',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      `extendedKeyUsage = ${usages.map((u) => (u === 'server' ? 'serverAuth' : 'clientAuth')).join(', ')}`,
    );
    const altNames = options.altNames ?? [name];
    if (altNames.length > 0) lines.push(`subjectAltName = ${altNames.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

async function writeSigner(dir: string, ca: Forged): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'ca.pem');
  const key = join(dir, 'ca.key');
  await writeFile(cert, ca.certPem);
  await writeFile(key, ca.keyPem, { mode: 0o600 });
  return { cert, key };
}

function libfaketime(): string {
  const found = LIBFAKETIME_ON_HOSTS.find((path) => existsSync(path));
  if (!found)
    throw new EnvironmentError(
      `libfaketime is not installed (looked in ${LIBFAKETIME_ON_HOSTS[0]} and the like); certdrill forges past-dated certificates with it: apt-get install libfaketime`,
    );
  return found;
}

/** openssl in a process group of its own, so a Ctrl-C reaches certdrill alone; a run that stops ends it (runChild). */
async function run(command: string[], env: Record<string, string>): Promise<void> {
  // execa loads only when a scenario forges with openssl: listing the scenarios never pays for it.
  const { runChild } = await import('../util/child-process.js');
  try {
    await runChild(command[0]!, command.slice(1), { env, all: true, timeout: 60_000 });
  } catch (error) {
    const err = error as { code?: string; all?: string; shortMessage?: string };
    if (err.code === 'ENOENT') {
      throw new EnvironmentError(`${command[0]} is not installed; certdrill forges past-dated certificates with it: apt-get install ${command[0]}`);
    }
    throw new Error(`${command.slice(0, 3).join(' ')} failed: ${(err.all ?? err.shortMessage ?? '').trim()}`, { cause: error });
  }
}
