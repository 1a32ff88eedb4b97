import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESULTS_FILE, type RunResults } from './results.js';

/** Every results.json under a folder, however deep (a suite puts one per scenario), in path order. */
export async function findResults(dir: string): Promise<RunResults[]> {
  const found: RunResults[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findResults(path)));
    else if (entry.name === RESULTS_FILE) found.push(withVerdicts(JSON.parse(await readFile(path, 'utf8')) as RunResults));
  }
  return found;
}

/** results.json written before verdicts had three values said `pass: true|false`. */
function withVerdicts(run: RunResults): RunResults {
  const expectations = run.expectations.map((e) => {
    const old = e as typeof e & { pass?: boolean };
    return old.verdict ? e : { ...e, verdict: old.pass ? ('pass' as const) : ('fail' as const) };
  });
  return { ...run, expectations };
}
