import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { catalogueOrder, renderScenarioTable, replaceGenerated, scenarioSummary } from '../../src/report/scenario-catalogue.js';
import type { AnyScenario } from '../../src/scenario/types.js';
import { WORKLOADS } from '../../src/workload/registry.js';
import { generatedDocs } from '../../scripts/generated-docs.js';

describe("the docs' scenario tables", () => {
  it('are what npm run docs makes from the scenarios now (run it after changing a scenario)', async () => {
    for (const [file, text] of Object.entries(await generatedDocs())) expect(await readFile(file, 'utf8'), file).toBe(text);
  });

  it('list every scenario once, grouped by workload in the registry order, and fall back to the first sentence', () => {
    const toy = WORKLOADS.find((w) => w.name === 'toy')!;
    const erlang = WORKLOADS.find((w) => w.name === 'erlang')!;
    const made = (name: string, workload: typeof toy, extra: Partial<AnyScenario> = {}) =>
      ({ name, workload, description: 'Nodes a|b: one. Two.', expectations: [], ...extra }) as unknown as AnyScenario;
    const order = catalogueOrder([made('z-toy', toy), made('b-erl', erlang), made('a-erl', erlang)], WORKLOADS).map((s) => s.name);
    expect(order).toEqual(['a-erl', 'b-erl', 'z-toy']);
    expect(scenarioSummary(made('x', toy))).toBe('Nodes a|b: one.');
    expect(scenarioSummary(made('x', toy, { summary: 'Own line.' }))).toBe('Own line.');
    expect(renderScenarioTable([made('x', toy)]).split('\n')[2]).toBe('| `x` | Nodes a\\|b: one. |');
  });

  it('refuse a file without its markers', () => {
    expect(() => replaceGenerated('# no markers', 'x', 'README.md')).toThrow(/README\.md: no generated part/);
  });
});
