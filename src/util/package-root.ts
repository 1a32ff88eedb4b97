import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * certdrill's own folder: the clone, or the installed package (whose code runs
 * from dist/). Found by walking up from this module to certdrill's package.json.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'certdrill') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of certdrill above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function certdrillVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
