import { readFile } from 'node:fs/promises';
import { catalogueOrder, renderScenarioCatalogue, renderScenarioTable, replaceGenerated } from '../src/report/scenario-catalogue.js';
import { loadScenarios } from '../src/scenario/registry.js';
import { WORKLOADS } from '../src/workload/registry.js';

/**
 * The README and docs/scenarios.md with their generated parts (the scenario
 * table, the catalogue) made anew from the scenarios themselves: what `npm
 * run docs` writes, and what test/unit/docs.test.ts compares them with.
 */
export async function generatedDocs(): Promise<Record<string, string>> {
  const scenarios = catalogueOrder((await loadScenarios()).values(), WORKLOADS);
  const parts = { 'README.md': renderScenarioTable(scenarios), 'docs/scenarios.md': renderScenarioCatalogue(scenarios) };
  const files: Record<string, string> = {};
  for (const [file, part] of Object.entries(parts)) files[file] = replaceGenerated(await readFile(file, 'utf8'), part, file);
  return files;
}
