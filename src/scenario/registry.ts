import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Scenario } from './types.js';

const SCENARIO_DIR = fileURLToPath(new URL('../../scenarios', import.meta.url));

export class UnknownScenarioError extends Error {}

/** Every scenario in scenarios/, by name. */
export async function loadScenarios(dir: string = SCENARIO_DIR): Promise<Map<string, Scenario>> {
  const files = (await readdir(dir)).filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts')).sort();
  const scenarios = new Map<string, Scenario>();
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { default?: Scenario };
    const scenario = module.default;
    if (!scenario?.name) throw new Error(`scenarios/${file} has no default export made with defineScenario`);
    scenarios.set(scenario.name, scenario);
  }
  return scenarios;
}

export async function findScenario(name: string): Promise<Scenario> {
  const scenarios = await loadScenarios();
  const scenario = scenarios.get(name);
  if (!scenario) {
    throw new UnknownScenarioError(`unknown scenario "${name}": npm run scenario -- --list shows the ${scenarios.size} there are (${[...scenarios.keys()].join(', ')})`);
  }
  return scenario;
}
