import { stat, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { renderMatrix, type MatrixCell } from '../report/matrix.js';
import { findResults } from '../report/results-files.js';
import { RESULTS_FILE } from '../report/results.js';

const USAGE = 'usage: npm run report:matrix -- [--out FILE] DIR...   (each DIR one cell: a folder holding results.json files, as a run or a suite writes them)';

async function main(argv: string[]): Promise<number> {
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? argv[outIndex + 1] : undefined;
  const dirs = outIndex >= 0 ? argv.filter((_, i) => i !== outIndex && i !== outIndex + 1) : argv;
  if (dirs.length === 0 || (outIndex >= 0 && !out) || dirs.some((d) => d.startsWith('-'))) {
    console.error(USAGE);
    return 2;
  }
  const cells: MatrixCell[] = [];
  for (const dir of dirs) {
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      console.error(`certdrill: ${dir} is not a folder: ${USAGE}`);
      return 2;
    }
    const runs = await findResults(dir);
    if (runs.length === 0) console.error(`certdrill: no ${RESULTS_FILE} under ${dir}; it counts as a cell that ran nothing`);
    cells.push({ name: basename(resolve(dir)), runs });
  }
  const markdown = renderMatrix(cells);
  if (out) await writeFile(out, markdown);
  else process.stdout.write(markdown);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`certdrill: ${(error as Error).message}`);
    process.exit(1);
  },
);
