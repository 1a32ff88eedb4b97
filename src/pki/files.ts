import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Forged } from './certificate.js';

export const KEY_MODE = 0o600;
export const CERT_MODE = 0o644;

/** Writes `<name>.crt` and `<name>.key` (mode 0600) into `dir`; returns their paths. */
export async function writeForged(dir: string, forged: Forged): Promise<{ certPath: string; keyPath: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, `${forged.name}.crt`);
  const keyPath = join(dir, `${forged.name}.key`);
  await writeFile(certPath, forged.certPem, { mode: CERT_MODE });
  await writeFile(keyPath, forged.keyPem, { mode: KEY_MODE });
  // writeFile's mode only applies when it creates the file.
  await chmod(keyPath, KEY_MODE);
  return { certPath, keyPath };
}
