import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Every name src/index.ts exports, as TypeScript resolves them (re-exports of a whole module included). */
function packageExports(): string[] {
  const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
  const program = ts.createProgram([index], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  return checker.getExportsOfModule(symbol).map((s) => s.getName());
}

/** The API reference (docs/writing-scenarios.md) is written by hand: it must name what the package exports, and nothing else. */
describe('the API for scenario authors in docs/writing-scenarios.md', () => {
  it('lists every export of the package, and only those', async () => {
    const exported = new Set(packageExports());
    expect(exported.size).toBeGreaterThan(50);
    const page = await readFile(new URL('../../docs/writing-scenarios.md', import.meta.url), 'utf8');
    const section = page.slice(page.indexOf('## API for scenario authors'), page.indexOf('A scenario of a new kind of clustered system'));
    expect(section.length).toBeGreaterThan(1000);
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const listed = new Set(rows.flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`(\w+)/g)].map((m) => m[1]!)));
    const documentedTypes = new Set(
      rows.flatMap((row) => [...row.matchAll(/\(types ([^)]*)\)/g)].flatMap((m) => [...m[1]!.matchAll(/`(\w+)`/g)].map((t) => t[1]!))),
    );
    for (const name of exported) expect(listed.has(name) || documentedTypes.has(name), `${name} is exported but not in the API table`).toBe(true);
    for (const name of listed) expect(exported.has(name), `${name} is in the API table but not exported`).toBe(true);
  });
});
