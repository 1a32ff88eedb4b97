import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OWN_PLATFORMS, platformProblem, type PlatformName } from '../platform/index.js';
import { renderMatrix, type MatrixCell } from '../report/matrix.js';
import { findResults } from '../report/results-files.js';
import { RESULTS_FILE } from '../report/results.js';
import { loadScenarios } from '../scenario/registry.js';
import { WORKLOADS } from '../workload/registry.js';
import { exitWhenDone, withUsageHint } from './exit.js';
import { reportsDir } from './output-paths.js';
import { runScenarioCommand } from './scenario-child.js';
import { commandLine } from '../util/command-words.js';
import { runChild } from '../util/child-process.js';
import { UsageError } from '../util/errors.js';

const usage = () => `usage: ${commandLine('matrix', '[--out DIR] [--platform docker|kind]... [--cell NAME]... [--rerun]')}
       ${commandLine('matrix', '--plan [--platform docker|kind]...')}
       runs every scenario of each workload once per version (its images built on each Debian suite:
       OTP 25 and 27, etcd 3.4 and 3.5), and the scenarios that follow a further axis once per value of it
       (the kops scenarios of a legacy year on each etcd-manager version), one folder per cell under DIR,
       then merges them into DIR/matrix.md. --cell runs only the cells named (the merge takes every cell with results).
       --plan prints the cells, one entry per scenario, as JSON for a CI matrix (the nightly workflow's), and runs nothing`;
const BASE_IMAGE_SCRIPT = fileURLToPath(new URL('../../scripts/base-image.sh', import.meta.url));

/** One cell of the matrix: a workload's scenarios on one platform, its images built on one Debian suite. */
export interface MatrixPlan {
  name: string;
  platform: PlatformName;
  suite: string;
  versions: string;
  scenarios: string[];
  /** An axis's value beyond the suite's (CERTDRILL_ETCD_MANAGER_VERSION), for the scenarios' process. */
  env: Record<string, string>;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  if (values.help) {
    console.log(usage());
    return 0;
  }
  const platforms = (values.platform?.length ? values.platform : ['docker']) as PlatformName[];
  const wrong = platforms.find((p) => !(OWN_PLATFORMS as readonly string[]).includes(p));
  if (wrong) throw new UsageError(platformProblem(wrong));
  if (values.plan) {
    if (values.out !== undefined || values.cell?.length || values.rerun) throw new UsageError('--plan takes only --platform');
    console.log(JSON.stringify(planJson(await plan(platforms))));
    return 0;
  }
  const outDir = resolve(values.out ?? reportsDir('matrix'));
  await mkdir(outDir, { recursive: true }).catch((error: Error) => {
    throw new UsageError(`cannot make --out ${outDir}: ${error.message}`);
  });

  const planned = await plan(platforms);
  const unknownCell = values.cell?.find((name) => !planned.some((c) => c.name === name));
  if (unknownCell)
    throw new UsageError(`no cell "${unknownCell}" on ${platforms.join(', ')}: the cells are ${planned.map((c) => c.name).join(', ')}`);
  const cells = values.cell?.length ? planned.filter((c) => values.cell!.includes(c.name)) : planned;
  let interrupted = false;
  // Ctrl-C reaches the running scenario too, which cleans up and exits 130; this only stops the next ones.
  process.on('SIGINT', () => (interrupted = true));
  process.on('SIGTERM', () => (interrupted = true));

  for (const suite of new Set(cells.map((c) => c.suite))) {
    process.stderr.write(`base image debian:${suite}-slim\n`);
    await runChild('bash', [BASE_IMAGE_SCRIPT], { env: { BASE_IMAGE: `debian:${suite}-slim`, BASE_SUITE: suite } }).catch(
      (error: Error & { stderr?: string }) => {
        throw new UsageError(
          `the base image debian:${suite}-slim is not here and could not be made: ${(error.stderr ?? error.message).trim().split('\n').at(-1)}`,
        );
      },
    );
  }

  const total = cells.reduce((n, c) => n + c.scenarios.length, 0);
  let done = 0;
  for (const cell of cells) {
    for (const scenario of cell.scenarios) {
      if (interrupted) return 130;
      done += 1;
      const dir = join(outDir, cell.name, scenario);
      const label = `[${done}/${total}] ${cell.name} (${cell.versions}) ${scenario}`;
      if (!values.rerun && (await exists(join(dir, RESULTS_FILE)))) {
        process.stderr.write(`${label}: reusing ${join(dir, RESULTS_FILE)} (--rerun runs it again)\n`);
        continue;
      }
      await mkdir(dir, { recursive: true });
      const started = performance.now();
      process.stderr.write(`${label}: running\n`);
      const code = await runScenarioCommand([scenario, '--out', dir, '--platform', cell.platform], join(dir, 'run.log'), {
        ...process.env,
        CERTDRILL_DEBIAN_SUITE: cell.suite,
        ...cell.env,
      });
      const results = await findResults(dir);
      const verdicts = results.flatMap((r) => r.expectations.map((e) => e.verdict));
      const counts = ['pass', 'fail', 'unknown'].map((v) => `${verdicts.filter((x) => x === v).length} ${v.toUpperCase()}`).join(', ');
      process.stderr.write(
        `${label}: exit ${code} after ${((performance.now() - started) / 1000).toFixed(1)} s; ${counts} (log: ${join(dir, 'run.log')})\n`,
      );
      if (code === 130) return 130;
    }
  }

  const merged: MatrixCell[] = [];
  for (const cell of planned) {
    const runs = await findResults(join(outDir, cell.name));
    if (runs.length) merged.push({ name: cell.name, runs });
  }
  const markdown = renderMatrix(merged);
  await writeFile(join(outDir, 'matrix.md'), markdown);
  process.stderr.write(`matrix: ${join(outDir, 'matrix.md')}\n`);
  return 0;
}

/**
 * The cells: for each platform, each workload that names its versions, once
 * per Debian suite with all its scenarios (each axis at its default); then,
 * per suite, once per other value of each of its axes with the scenarios
 * that follow that axis, e.g. docker-etcd3.4-etcd-manager-3.0.20200428.
 */
export async function plan(platforms: readonly PlatformName[]): Promise<MatrixPlan[]> {
  const scenarios = [...(await loadScenarios()).values()];
  return platforms.flatMap((platform) =>
    WORKLOADS.flatMap((workload) =>
      Object.entries(workload.versionsBySuite ?? {}).flatMap(([suite, versions]) => {
        const own = scenarios.filter((s) => s.workload.name === workload.name && (!s.platforms || s.platforms.includes(platform)));
        const base: MatrixPlan = {
          name: `${platform}-${versions.replace(/\s+/g, '')}`,
          platform,
          suite,
          versions,
          scenarios: own.map((s) => s.name).sort(),
          env: {},
        };
        const alongAxes = (workload.axes ?? []).flatMap((axis) =>
          axis.values.slice(1).map((value) => ({
            ...base,
            name: `${base.name}-${axis.name}-${value}`,
            versions: `${versions}, ${axis.name} ${value}`,
            scenarios: own
              .filter((s) => s.axes?.includes(axis.name))
              .map((s) => s.name)
              .sort(),
            env: { [axis.env]: value },
          })),
        );
        return [base, ...alongAxes.filter((c) => c.scenarios.length > 0)];
      }),
    ),
  );
}

/**
 * The plan as a CI matrix (`strategy.matrix: ${{ fromJSON(...) }}` in
 * GitHub Actions): one job per scenario of each cell, with what its job sets:
 * the Debian suite of its images and the axis values of its environment.
 */
export function planJson(cells: readonly MatrixPlan[]): {
  include: { cell: string; platform: PlatformName; suite: string; versions: string; scenario: string; env: Record<string, string> }[];
} {
  return {
    include: cells.flatMap((c) =>
      c.scenarios.map((scenario) => ({ cell: c.name, platform: c.platform, suite: c.suite, versions: c.versions, scenario, env: c.env })),
    ),
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        platform: { type: 'string', multiple: true },
        cell: { type: 'string', multiple: true },
        rerun: { type: 'boolean', default: false },
        plan: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The command: its exit status, or one line and 2 for what the user can fix. */
export function command(argv: string[]): void {
  exitWhenDone(main(argv).catch((error: unknown) => Promise.reject(withUsageHint(error, commandLine('matrix', '--help')))));
}
