import type { RunResults } from './results.js';
import { describeCounts, verdictWord } from '../scenario/verdict.js';
import { resultCell } from './findings.js';
import { cell } from './format.js';

/** One cell of the nightly matrix: a name (its artifact's) and the scenario runs it holds. */
export interface MatrixCell {
  name: string;
  runs: RunResults[];
}

/**
 * The matrix report: per scenario, each expectation's result in every cell
 * that ran it, the cells' platform and versions, and the expectations whose
 * result differs between cells called out first. An UNKNOWN (could not judge)
 * is listed apart: it is no behaviour, so never a difference. Pure.
 */
export function renderMatrix(cells: MatrixCell[]): string {
  const out: string[] = ['# certdrill nightly matrix', ''];
  const scenarios = [...new Set(cells.flatMap((c) => c.runs.map((r) => r.scenario)))].sort();
  const runOf = (c: MatrixCell, scenario: string) => c.runs.find((r) => r.scenario === scenario);
  const differences: string[] = [];
  const unjudged: string[] = [];
  const sections: string[] = [];

  for (const scenario of scenarios) {
    const here = cells.filter((c) => runOf(c, scenario));
    // A row's title is the first cell's: the default of every axis, whose version the expectations were written for
    // (a scenario that follows an axis names the version it ran in its titles).
    const titles = new Map<string, string>();
    for (const e of here.flatMap((c) => runOf(c, scenario)!.expectations)) if (!titles.has(e.id)) titles.set(e.id, e.title);
    const ids = [...titles.entries()];
    sections.push(`## ${scenario}`, '', `| Expectation | ${here.map((c) => cell(c.name)).join(' | ')} |`, `|---|${here.map(() => '---').join('|')}|`);
    for (const [id, title] of ids) {
      const results = here.map((c) => runOf(c, scenario)!.expectations.find((e) => e.id === id));
      sections.push(`| ${cell(title)} | ${results.map((r) => (r ? resultCell(r.verdict) : '—')).join(' | ')} |`);
      const judged = results.map((r, i) => ({ r, c: here[i]! })).filter(({ r }) => r && r.verdict !== 'unknown');
      if (new Set(judged.map(({ r }) => r!.verdict)).size > 1) {
        differences.push(`- **${scenario}** — ${title}:`, ...judged.map(({ r, c }) => `  - ${c.name}: ${verdictWord(r!.verdict)}, ${r!.observed}`));
      }
      here.forEach((c, i) => {
        if (results[i]?.verdict === 'unknown') unjudged.push(`- **${scenario}** — ${title}: could not judge in ${c.name}: ${results[i]!.observed}`);
      });
    }
    const unfinished = here.filter((c) => runOf(c, scenario)!.outcome !== 'completed');
    for (const c of unfinished) differences.push(`- **${scenario}** did not complete in ${c.name}: ${runOf(c, scenario)!.outcome}`);
    sections.push('');
  }

  const verdicts = cells.flatMap((c) => c.runs.flatMap((r) => r.expectations.map((e) => e.verdict)));
  out.push(`${cells.length} cells, ${scenarios.length} scenarios: ${describeCounts(verdicts, 'expectation results')}.`, '');
  out.push('## Cells', '', '| Cell | Platform | Versions | Scenarios | Expectations held |', '|---|---|---|---|---|');
  for (const c of cells) {
    const platforms = [...new Set(c.runs.map((r) => r.platform))].join(', ');
    const versions = new Map(c.runs.flatMap((r) => Object.entries(r.versions)));
    const held = c.runs.flatMap((r) => r.expectations);
    out.push(
      `| ${cell(c.name)} | ${platforms} | ${cell([...versions].map(([k, v]) => `${k} ${v}`).join(', ') || '—')} | ${c.runs.length} | ${describeCounts(
        held.map((e) => e.verdict),
        'expectations',
      )} |`,
    );
  }
  out.push('', '## Differences between cells', '');
  out.push(...(differences.length > 0 ? differences : ['None: every expectation has the same result in every cell that could judge it.']), '');
  if (unjudged.length > 0)
    out.push('## Could not judge', '', 'Not a behaviour of the cell: the run lacked the samples or answers to decide.', '', ...unjudged, '');
  out.push(...sections);
  return out.join('\n');
}
