import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** The README's API reference is written by hand: it must name what the package exports, and nothing else. */
describe('the README\'s API for scenario authors', () => {
  it('lists every export of the package, and only those', async () => {
    const index = await readFile(new URL('../../src/index.ts', import.meta.url), 'utf8');
    const exported = new Set(
      [...index.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) =>
        m[1]!
          .split(',')
          .map((name) => name.trim().replace(/^type /, ''))
          .filter(Boolean),
      ),
    );
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### API for scenario authors'), readme.indexOf('A scenario of a new kind of clustered system'));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const listed = new Set(rows.flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`(\w+)/g)].map((m) => m[1]!)));
    const documentedTypes = new Set(rows.flatMap((row) => [...row.matchAll(/\(types ([^)]*)\)/g)].flatMap((m) => [...m[1]!.matchAll(/`(\w+)`/g)].map((t) => t[1]!))));
    for (const name of exported) expect(listed.has(name) || documentedTypes.has(name), `${name} is exported but not in the README's API table`).toBe(true);
    for (const name of listed) expect(exported.has(name), `${name} is in the README's API table but not exported`).toBe(true);
  });
});
