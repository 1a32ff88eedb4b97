import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exitWhenDone } from './exit.js';
import { readSource, SOURCE_FORMS } from '../inventory/index.js';
import { renderInventory } from '../report/inventory.js';
import { UsageError } from '../util/errors.js';
import { commandLine } from '../util/command-words.js';

const usage = () => `usage: ${commandLine('inspect', 'SOURCE [--out FILE.md]')}   (SOURCE: ${SOURCE_FORMS})`;

/**
 * `npm run inspect -- SOURCE`: reads a cluster's certificates (never its
 * keys) and prints when each expires, which expires first in its chain, what
 * is wrong with the chains, and a chart of the windows.
 */
export async function main(argv: string[]): Promise<number> {
  let values: { out?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}: ${usage()}`);
  }
  if (values.help) {
    console.log(usage());
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `one source at a time, not ${positionals.join(' ')}` : usage());
  if (values.out === '') throw new UsageError(`--out needs a file: ${usage()}`);
  const inventory = await readSource(positionals[0]!);
  const markdown = renderInventory(inventory, new Date());
  if (values.out) {
    await writeFile(values.out, markdown);
    console.error(`certdrill: wrote ${values.out}`);
  }
  process.stdout.write(markdown);
  return 0;
}

/** The command: its exit status, or one line and 2 for what the user can fix. */
export function command(argv: string[]): void {
  exitWhenDone(main(argv));
}
