import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../util/errors.js';

/**
 * Makes the folder `--out` names (and its missing parents) and checks that
 * certdrill can write there, before anything runs: a run that cannot write
 * its findings is not worth starting. Each level is made on its own:
 * Node's recursive mkdir never returns under /proc.
 */
export async function prepareOutDir(dir: string, option = '--out'): Promise<void> {
  const target = resolve(dir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    const found = await stat(existing).catch((error: NodeJS.ErrnoException) => error);
    if (!(found instanceof Error)) {
      if (!found.isDirectory()) throw new UsageError(`${option} ${dir}: ${existing} is a file, not a folder: name a folder (it is made if missing)`);
      break;
    }
    if (found.code !== 'ENOENT' || dirname(existing) === existing) throw cannot(option, dir, 'make', found);
    missing.unshift(existing);
    existing = dirname(existing);
  }
  for (const level of missing) {
    await mkdir(level).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw cannot(option, dir, 'make', error);
    });
  }
  await probeWrite(target).catch((error: NodeJS.ErrnoException) => {
    throw cannot(option, dir, 'write into', error);
  });
}

/** Checks `--summary FILE` can be written: its folder exists and takes files, and FILE is not a folder. */
export async function checkSummaryFile(file: string): Promise<void> {
  const folder = dirname(resolve(file));
  const found = await stat(folder).catch((error: NodeJS.ErrnoException) => error);
  if (found instanceof Error || !found.isDirectory()) {
    throw new UsageError(`--summary ${file}: the folder ${folder} does not exist: make it first, or name a file in a folder that exists`);
  }
  if ((await stat(resolve(file)).catch(() => undefined))?.isDirectory())
    throw new UsageError(`--summary ${file} is a folder: name the file to write (e.g. ${join(file, 'FINDINGS.md')})`);
  await probeWrite(folder).catch((error: NodeJS.ErrnoException) => {
    throw cannot('--summary', file, 'write into the folder of', error);
  });
}

async function probeWrite(folder: string): Promise<void> {
  // Mode bits do not say it all (root, read-only file systems): write a file and remove it.
  const probe = join(folder, `.certdrill-write-test-${process.pid}`);
  await writeFile(probe, '');
  await unlink(probe);
}

function cannot(option: string, value: string, what: string, error: NodeJS.ErrnoException): UsageError {
  return new UsageError(`cannot ${what} ${option} ${value} (${error.code ?? error.message}): name a folder you can write to`);
}

/**
 * Where a run's reports go when no --out is given: reports/<kind> under the
 * folder certdrill is run from (the clone's root for npm run; the user's own
 * folder for the installed package, never node_modules).
 */
export function reportsDir(kind: 'runs' | 'stability' | 'matrix'): string {
  return resolve(process.cwd(), 'reports', kind);
}

/** A run folder's name under reportsDir: its start to the second (2026-12-06T23-55-01), then what ran. */
export function runFolderName(what: string, at = new Date()): string {
  return `${at.toISOString().replace(/[:.]/g, '-').slice(0, 19)}-${what}`;
}
