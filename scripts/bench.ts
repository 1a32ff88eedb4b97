#!/usr/bin/env -S npx tsx
/**
 * Times the scenario command end to end, as a user waits for it. A
 * benchmark, not a test: nothing here passes or fails.
 *
 *   npm run bench [-- --runs N]   erlang-ca-expiry with no certdrill image (built, as on a
 *                                 fresh machine), then N times reusing it; prints the median
 *   npm run bench -- --warm [--runs N]   only the runs that reuse the image
 *   npm run bench -- --suite [--runs N]  the whole docker suite (npm run scenario -- all), warm
 *   npm run bench -- --startup [--runs N]  how long listing the scenarios takes: npm run scenario -- --list
 *                                 in the clone, and npx certdrill list from the packed package installed
 *                                 into an empty folder (wall, CPU, peak memory; median of N, default 5)
 */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, argv } from 'zx';

$.verbose = false;
const runs = Number(argv.runs ?? (argv.suite ? 1 : argv.startup ? 5 : 3));

async function timedRun(label: string, scenario: string): Promise<number> {
  const out = await mkdtemp(join(tmpdir(), 'certdrill-bench-'));
  const started = performance.now();
  const result = await $`node --import tsx src/cli/certdrill.ts run ${scenario} --out ${out}`.quiet().nothrow();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(34)} ${seconds.toFixed(1).padStart(6)} s   exit ${result.exitCode}`);
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function warmRuns(scenario: string, label: string): Promise<number> {
  // One run first so that the images exist; it is not counted.
  if (!argv.suite) await timedRun(`${label}: ensure the image (not counted)`, scenario);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timedRun(`${label}: run ${i + 1}`, scenario));
  console.log(`${label}: median of ${runs}: ${median(times).toFixed(1)} s`);
  return median(times);
}

/** One command under GNU time: wall and CPU seconds, peak resident memory in MiB. */
async function measured(command: string[], cwd: string): Promise<{ wall: number; cpu: number; mib: number }> {
  const result = await $({ cwd })`/usr/bin/time -f ${'%e %U %S %M'} ${command}`.quiet();
  const [wall, user, system, kib] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall: wall!, cpu: user! + system!, mib: kib! / 1024 };
}

async function startup(label: string, command: string[], cwd: string): Promise<void> {
  await measured(command, cwd); // one not counted: the file cache
  const samples: { wall: number; cpu: number; mib: number }[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measured(command, cwd));
  const med = (pick: (s: { wall: number; cpu: number; mib: number }) => number) => median(samples.map(pick));
  console.log(
    `${label.padEnd(44)} wall ${med((s) => s.wall).toFixed(2)} s   CPU ${med((s) => s.cpu).toFixed(2)} s   ${med((s) => s.mib).toFixed(0)} MiB   (median of ${runs})`,
  );
}

if (argv.startup) {
  const root = process.cwd();
  await startup('npm run -s scenario -- --list (clone, tsx)', ['npm', 'run', '-s', 'scenario', '--', '--list'], root);
  const dir = await mkdtemp(join(tmpdir(), 'certdrill-bench-package-'));
  await $({ cwd: root })`npm pack --silent --pack-destination ${dir}`;
  const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'))!;
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'bench', private: true, type: 'module' }));
  await $({ cwd: dir })`npm install --no-audit --no-fund --prefer-offline ${join(dir, tarball)}`;
  await startup('npx certdrill list (installed package)', ['npx', 'certdrill', 'list'], dir);
  await startup('node_modules/.bin/certdrill list (no npx)', ['node_modules/.bin/certdrill', 'list'], dir);
} else if (argv.suite) {
  await warmRuns('all', 'docker suite');
} else if (argv.warm) {
  await warmRuns('erlang-ca-expiry', 'erlang-ca-expiry warm');
} else {
  // The workload images only: never the kind node image, which takes a quarter of an hour to build.
  const images = (
    await $`docker images --filter reference=certdrill/erlang-app --filter reference=certdrill/etcd-member --format {{.Repository}}:{{.Tag}}`
  ).stdout
    .split('\n')
    .filter(Boolean);
  if (images.length > 0) await $`docker rmi -f ${images}`;
  // The build cache would make a "cold" build warm; drop it too.
  await $`docker builder prune -af`.nothrow();
  const cold = await timedRun('first run (image built)', 'erlang-ca-expiry');
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) warm.push(await timedRun(`run ${i + 2} (image reused)`, 'erlang-ca-expiry'));
  console.log(`image reuse saves ${(cold - median(warm)).toFixed(1)} s of ${cold.toFixed(1)} s; warm median ${median(warm).toFixed(1)} s`);
}
