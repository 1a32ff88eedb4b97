import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunResults } from '../report/results.js';
import { findResults } from '../report/results-files.js';
import { asSection, renderStability, tallyVerdicts, type Repetition } from '../report/stability.js';
import { findScenario } from '../scenario/registry.js';
import { startBusyLoops } from './cpu-load.js';
import { platformNamed, checkedClusterOptions, clusterArguments, CLUSTER_OPTION_SPECS, CLUSTER_OPTIONS_USAGE } from './cluster-options.js';
import { exitWhenDone, withUsageHint } from './exit.js';
import { reportsDir, runFolderName } from './output-paths.js';
import { runScenarioCommand } from './scenario-child.js';
import { commandLine } from '../util/command-words.js';
import { UsageError } from '../util/errors.js';

const usage = () => `usage: ${commandLine('stability', '<scenario...|all> [--runs N] [--platform docker|kind] [--out DIR]')}
                                  [--load N] [--baseline DIR] [--markdown FILE [--append]]
       ${commandLine('stability', '<scenario...|all> --platform kubernetes --image-registry REGISTRY [CLUSTER OPTIONS] ...')}
                                  the same on a cluster a kubeconfig reaches; CLUSTER OPTIONS:
                                  ${CLUSTER_OPTIONS_USAGE}
       runs the scenarios (or the whole suite) N times (default 5), each as a single run would,
       and prints, per expectation, how many runs gave each verdict
       --load N        N busy CPU loops run beside every run (what a loaded host does to the verdicts)
       --baseline DIR  says which verdicts differ from those recorded under DIR (e.g. reports/suite)
       --markdown FILE the page also into FILE (--append: as a section at FILE's end)`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    console.log(usage());
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name a scenario (or several), or all');
  if (positionals.includes('all') && positionals.length > 1) throw new UsageError(`all, or scenarios by name, not both: ${positionals.join(' ')}`);
  const names = [...new Set(positionals)];
  for (const name of names) if (name !== 'all') await findScenario(name);
  const name = names.join(' ');
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new UsageError(`--runs takes a whole number from 1 to 100, not "${values.runs}"`);
  const load = Number(values.load);
  if (!Number.isInteger(load) || load < 0 || load > 64)
    throw new UsageError(`--load takes a whole number of busy loops from 0 to 64, not "${values.load}"`);
  if (values.append && !values.markdown) throw new UsageError('--append goes with --markdown FILE');
  const baseline = values.baseline ? await readBaseline(resolve(values.baseline)) : undefined;
  const platform = platformNamed(values.platform);
  const clusterArgs = clusterArguments(await checkedClusterOptions(platform, values));
  const outDir = resolve(values.out ?? join(reportsDir('stability'), runFolderName(names.length === 1 ? name! : `${names.length}-scenarios`)));
  await mkdir(outDir, { recursive: true }).catch((error: Error) => {
    throw new UsageError(`cannot make --out ${outDir}: ${error.message}`);
  });

  let interrupted = false;
  // The terminal's Ctrl-C reaches the running scenario too: it cleans up and exits 130; this only stops repeating.
  process.on('SIGINT', () => (interrupted = true));
  process.on('SIGTERM', () => (interrupted = true));

  const startedAt = new Date().toISOString();
  const repetitions: Repetition[] = [];
  const busy = startBusyLoops(load);
  if (load > 0) process.stderr.write(`${load} busy CPU loop(s) run beside every run\n`);
  try {
    for (let index = 1; index <= runs && !interrupted; index++) {
      const dir = join(outDir, `run-${index}`);
      const started = performance.now();
      let exitCode = 0;
      for (const one of names) {
        if (interrupted) break;
        const oneDir = names.length === 1 ? dir : join(dir, one);
        await mkdir(oneDir, { recursive: true });
        const args = [one, '--out', oneDir, '--platform', platform, ...clusterArgs];
        process.stderr.write(`run ${index}/${runs}: ${commandLine('run', args.join(' '))} (its output: ${oneDir}/run.log)\n`);
        const code = await runScenarioCommand(args, join(oneDir, 'run.log'));
        if (code === 130 || code === 2) exitCode = code;
        else exitCode = Math.max(exitCode, code);
        if (code === 130) interrupted = true;
        if (code === 2) break;
      }
      const seconds = (performance.now() - started) / 1000;
      const results = await findResults(dir);
      repetitions.push({ index, seconds, exitCode, results });
      const verdicts = results.flatMap((r) => r.expectations.map((e) => e.verdict));
      process.stderr.write(
        `run ${index}/${runs}: exit ${exitCode} after ${seconds.toFixed(1)} s; ${verdicts.filter((v) => v === 'pass').length} PASS, ${verdicts.filter((v) => v === 'fail').length} FAIL, ${verdicts.filter((v) => v === 'unknown').length} UNKNOWN\n`,
      );
      if (exitCode === 130) interrupted = true;
      if (exitCode === 2) {
        process.stderr.write(`certdrill: the run could not start; see the run.log files under ${dir}\n`);
        return 2;
      }
    }
  } finally {
    busy.stop();
  }
  const command = names
    .map((one) => commandLine('run', [one, ...(platform === 'docker' ? [] : ['--platform', platform]), ...clusterArgs].join(' ')))
    .join('; ');
  const markdown = renderStability({
    command,
    platform,
    startedAt,
    endedAt: new Date().toISOString(),
    repetitions,
    machine: `${cpus().length} cores`,
    load,
    baseline,
  });
  process.stdout.write(markdown);
  if (values.markdown) {
    const before = values.append ? await readFile(values.markdown, 'utf8').catch(() => '') : '';
    await writeFile(values.markdown, before ? `${before.trimEnd()}\n\n${asSection(markdown)}` : markdown);
  }
  if (interrupted) return 130;
  const stable = tallyVerdicts(repetitions).every((t) => t.stable);
  return stable && repetitions.every((r) => r.results.length > 0) ? 0 : 1;
}

/** The verdicts recorded under DIR (a findings run), named by where they came from. */
async function readBaseline(dir: string): Promise<{ label: string; results: RunResults[] }> {
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`--baseline ${dir} is not a folder: name one holding results.json files (e.g. reports/suite)`);
  const results = await findResults(dir);
  if (results.length === 0) throw new UsageError(`--baseline ${dir} holds no results.json: name a folder a run wrote (e.g. reports/suite)`);
  const label = `${relative(process.cwd(), dir) || dir} (${results[0]!.startedAt.slice(0, 10)})`;
  return { label, results };
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
        append: { type: 'boolean', default: false },
        load: { type: 'string', default: '0' },
        baseline: { type: 'string' },
        ...CLUSTER_OPTION_SPECS,
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The command: its exit status, or one line and 2 for what the user can fix. */
export function command(argv: string[]): void {
  exitWhenDone(main(argv).catch((error: unknown) => Promise.reject(withUsageHint(error, commandLine('stability', '--help')))));
}
