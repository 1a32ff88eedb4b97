import { stat, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exitWhenDone } from './exit.js';
import { renderMatrix, type MatrixCell } from '../report/matrix.js';
import { findResults } from '../report/results-files.js';
import { RESULTS_FILE } from '../report/results.js';
import { commandLine } from '../util/command-words.js';

const usage = () =>
  `usage: ${commandLine('matrix-report', '[--out FILE] DIR...')}   (each DIR one cell: a folder holding results.json files, as a run or a suite writes them)`;

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return 0;
  }
  const args = parse(argv);
  if (!args || args.dirs.length === 0 || args.out === '' || args.dirs.some((d) => d.startsWith('-'))) {
    console.error(usage());
    return 2;
  }
  const { out, dirs } = args;
  const cells: MatrixCell[] = [];
  for (const dir of dirs) {
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      console.error(`certdrill: ${dir} is not a folder: ${usage()}`);
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

/** `--out FILE` and the folders; undefined when the command line is not one (an unknown option, --out without a file). */
function parse(argv: string[]): { out?: string; dirs: string[] } | undefined {
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' } } });
    return { out: values.out, dirs: positionals };
  } catch {
    return undefined;
  }
}

/** The command: its exit status, or one line and 2 for what the user can fix. */
export function command(argv: string[]): void {
  exitWhenDone(main(argv));
}
