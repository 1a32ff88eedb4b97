import type { RunResults } from '../scenario/runner.js';
import { cell } from './format.js';

/** One cell of the nightly matrix: a name (its artifact's) and the scenario runs it holds. */
export interface MatrixCell {
  name: string;
  runs: RunResults[];
}

/**
 * The matrix report: per scenario, each expectation's result in every cell
 * that ran it, the cells' platform and versions, and the expectations whose
 * result differs between cells called out first. Pure: it reads nothing.
 */
export function renderMatrix(cells: MatrixCell[]): string {
  const out: string[] = ['# certdrill nightly matrix', ''];
  const scenarios = [...new Set(cells.flatMap((c) => c.runs.map((r) => r.scenario)))].sort();
  const runOf = (c: MatrixCell, scenario: string) => c.runs.find((r) => r.scenario === scenario);
  const differences: string[] = [];
  const sections: string[] = [];

  for (const scenario of scenarios) {
    const here = cells.filter((c) => runOf(c, scenario));
    const ids = [...new Map(here.flatMap((c) => runOf(c, scenario)!.expectations.map((e) => [e.id, e.title] as const))).entries()];
    sections.push(`## ${scenario}`, '', `| Expectation | ${here.map((c) => cell(c.name)).join(' | ')} |`, `|---|${here.map(() => '---').join('|')}|`);
    for (const [id, title] of ids) {
      const results = here.map((c) => runOf(c, scenario)!.expectations.find((e) => e.id === id));
      sections.push(`| ${cell(title)} | ${results.map((r) => (r ? (r.pass ? 'PASS' : '**FAIL**') : '—')).join(' | ')} |`);
      const verdicts = new Set(results.map((r) => (r ? String(r.pass) : 'missing')));
      if (verdicts.size > 1) {
        differences.push(`- **${scenario}** — ${title}:`, ...here.map((c, i) => `  - ${c.name}: ${results[i] ? `${results[i]!.pass ? 'PASS' : 'FAIL'}, ${results[i]!.observed}` : 'not checked'}`));
      }
    }
    const unfinished = here.filter((c) => runOf(c, scenario)!.outcome !== 'completed');
    for (const c of unfinished) differences.push(`- **${scenario}** did not complete in ${c.name}: ${runOf(c, scenario)!.outcome}`);
    sections.push('');
  }

  const passed = cells.flatMap((c) => c.runs.flatMap((r) => r.expectations)).filter((e) => e.pass).length;
  const total = cells.flatMap((c) => c.runs.flatMap((r) => r.expectations)).length;
  out.push(`${cells.length} cells, ${scenarios.length} scenarios: ${passed} of ${total} expectation results hold.`, '');
  out.push('## Cells', '', '| Cell | Platform | Versions | Scenarios | Expectations held |', '|---|---|---|---|---|');
  for (const c of cells) {
    const platforms = [...new Set(c.runs.map((r) => r.platform))].join(', ');
    const versions = new Map(c.runs.flatMap((r) => Object.entries(r.versions)));
    const held = c.runs.flatMap((r) => r.expectations);
    out.push(`| ${cell(c.name)} | ${platforms} | ${cell([...versions].map(([k, v]) => `${k} ${v}`).join(', ') || '—')} | ${c.runs.length} | ${held.filter((e) => e.pass).length} of ${held.length} |`);
  }
  out.push('', '## Differences between cells', '');
  out.push(...(differences.length > 0 ? differences : ['None: every expectation has the same result in every cell that checked it.']), '');
  out.push(...sections);
  return out.join('\n');
}
