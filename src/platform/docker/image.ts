import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ImageSource } from '../types.js';

/**
 * A tag that changes exactly when the build context or build arguments do,
 * so a second run reuses the image the first one built.
 */
export async function contentTag(image: ImageSource): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles(image.context)) {
    hash.update(relative(image.context, file));
    hash.update('\0');
    hash.update(await readFile(file));
    hash.update('\0');
  }
  hash.update(JSON.stringify(Object.entries(image.buildArgs ?? {}).sort()));
  return `${image.repository}:${hash.digest('hex').slice(0, 12)}`;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
