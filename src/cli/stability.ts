import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PLATFORMS, type PlatformName } from '../platform/index.js';
import { findResults } from '../report/results-files.js';
import { renderStability, tallyVerdicts, type Repetition } from '../report/stability.js';
import { findScenario, UnknownScenarioError } from '../scenario/registry.js';
import { isEntry } from './exit.js';
import { reportsDir } from './output-paths.js';
import { runScenarioCommand } from './scenario-child.js';

const USAGE = `usage: npm run stability -- <scenario|all> [--runs N] [--platform docker|kind] [--out DIR] [--markdown FILE]
       runs the scenario (or the whole suite) N times (default 5), each as npm run scenario would,
       and prints, per expectation, how many runs gave each verdict (--markdown: also into FILE)`;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name a scenario, or all' : `one scenario (or all), not ${positionals.join(' ')}`);
  const name = positionals[0]!;
  if (name !== 'all') await findScenario(name);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new UsageError(`--runs takes a whole number from 1 to 100, not "${values.runs}"`);
  const platform = values.platform as PlatformName;
  if (!PLATFORMS.includes(platform)) throw new UsageError(`unknown platform "${platform}": use one of ${PLATFORMS.join(', ')}`);
  const outDir = resolve(values.out ?? join(reportsDir('stability'), `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}-${name}`));
  await mkdir(outDir, { recursive: true }).catch((error: Error) => {
    throw new UsageError(`cannot make --out ${outDir}: ${error.message}`);
  });

  let interrupted = false;
  // The terminal's Ctrl-C reaches the running scenario too: it cleans up and exits 130; this only stops repeating.
  process.on('SIGINT', () => (interrupted = true));
  process.on('SIGTERM', () => (interrupted = true));

  const startedAt = new Date().toISOString();
  const repetitions: Repetition[] = [];
  for (let index = 1; index <= runs && !interrupted; index++) {
    const dir = join(outDir, `run-${index}`);
    await mkdir(dir, { recursive: true });
    const args = [name, '--out', dir, '--platform', platform];
    process.stderr.write(`run ${index}/${runs}: npm run scenario -- ${args.join(' ')} (its output: ${dir}/run.log)\n`);
    const started = performance.now();
    const exitCode = await runScenarioCommand(args, join(dir, 'run.log'));
    const seconds = (performance.now() - started) / 1000;
    const results = await findResults(dir);
    repetitions.push({ index, seconds, exitCode, results });
    const verdicts = results.flatMap((r) => r.expectations.map((e) => e.verdict));
    process.stderr.write(`run ${index}/${runs}: exit ${exitCode} after ${seconds.toFixed(1)} s; ${verdicts.filter((v) => v === 'pass').length} PASS, ${verdicts.filter((v) => v === 'fail').length} FAIL, ${verdicts.filter((v) => v === 'unknown').length} UNKNOWN\n`);
    if (exitCode === 130) interrupted = true;
    if (exitCode === 2) {
      process.stderr.write(`certdrill: the run could not start; see ${join(dir, 'run.log')}\n`);
      return 2;
    }
  }
  const markdown = renderStability({
    command: `npm run scenario -- ${name}${platform === 'docker' ? '' : ` --platform ${platform}`}`,
    platform,
    startedAt,
    endedAt: new Date().toISOString(),
    repetitions,
    machine: `${cpus().length} cores`,
  });
  process.stdout.write(markdown);
  if (values.markdown) await writeFile(values.markdown, markdown);
  if (interrupted) return 130;
  const stable = tallyVerdicts(repetitions).every((t) => t.stable);
  return stable && repetitions.every((r) => r.results.length > 0) ? 0 : 1;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        runs: { type: 'string', default: '5' },
        platform: { type: 'string', default: 'docker' },
        out: { type: 'string' },
        markdown: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The command: its exit status, or one line and 2 for what the user can fix. */
export function command(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError || error instanceof UnknownScenarioError) {
        console.error(`certdrill: ${(error as Error).message}`);
        if (error instanceof UsageError) console.error(USAGE);
        process.exit(2);
      }
      console.error(`certdrill: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
      process.exit(1);
    },
  );
}

if (isEntry(import.meta.url)) command(process.argv.slice(2));
