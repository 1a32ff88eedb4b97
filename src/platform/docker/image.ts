import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ImageSource } from '../types.js';

/**
 * A tag that changes exactly when the build context or build arguments do,
 * so a second run reuses the image the first one built.
 */
export async function contentTag(image: ImageSource): Promise<string> {
  const hash = createHash('sha256');
  for (const [name, dir] of [['', image.context], ...Object.entries(image.include ?? {}).sort()] as [string, string][]) {
    for (const file of await listFiles(dir)) {
      hash.update(join(name, relative(dir, file)));
      hash.update('\0');
      hash.update(await readFile(file));
      hash.update('\0');
    }
  }
  hash.update(JSON.stringify(Object.entries(image.buildArgs ?? {}).sort()));
  return `${image.repository}:${hash.digest('hex').slice(0, 12)}`;
}

/**
 * The folder to build from: the image's own context, or, when it includes
 * other folders of the project, a copy of it with those beside its files.
 * `remove` deletes the copy.
 */
export async function buildContext(image: ImageSource): Promise<{ dir: string; remove: () => Promise<void> }> {
  if (!image.include || Object.keys(image.include).length === 0) return { dir: image.context, remove: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'certdrill-build-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await cp(image.context, dir, { recursive: true });
    for (const [name, source] of Object.entries(image.include)) await cp(source, join(dir, name), { recursive: true });
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
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
