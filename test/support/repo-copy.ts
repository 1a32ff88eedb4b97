import { cp, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A copy of certdrill (its sources, and node_modules and the image folders
 * linked) whose scenarios/ holds only the files given, by name: a test of
 * broken scenario files never touches the repository's own scenarios/. Made
 * with the test file's `tempDirs()`, it is removed when the file ends.
 */
export async function repoWithScenarios(temp: (prefix: string) => Promise<string>, scenarios: Record<string, string>): Promise<string> {
  const root = await temp('repo');
  for (const file of ['src', 'package.json', 'tsconfig.json']) await cp(join(REPO, file), join(root, file), { recursive: true });
  for (const folder of ['node_modules', 'erlang-app']) await symlink(join(REPO, folder), join(root, folder));
  await cp(join(REPO, 'scenarios'), join(root, 'scenarios'), { recursive: true, filter: (source) => !source.endsWith('.ts') });
  for (const [name, source] of Object.entries(scenarios)) await writeFile(join(root, 'scenarios', name), source);
  return root;
}

/** A scenario module with this set-up body (the rest a minimal valid scenario), as a user might write one. */
export function scenarioSource(name: string, setupBody: string, imports = ''): string {
  return `import { defineScenario } from '../src/scenario/types.js';
import { erlang } from '../src/workload/erlang/index.js';
${imports}
export default defineScenario({
  name: '${name}',
  workload: erlang,
  description: 'a test scenario',
  question: 'does certdrill say what is wrong with it?',
  setup(reference) {
    ${setupBody}
  },
  async run() {},
  expectations: [],
});
`;
}
