#!/usr/bin/env -S npx tsx
/**
 * Times erlang-ca-expiry end to end twice: first with no certdrill image (as
 * on a fresh machine: the image is built), then again (the image is reused).
 * Prints both wall times. A benchmark, not a test: nothing here passes or fails.
 *
 *   npm run bench [-- --runs N]
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, argv } from 'zx';

$.verbose = false;
const runs = Number(argv.runs ?? 1);

async function timedRun(label: string): Promise<number> {
  const out = await mkdtemp(join(tmpdir(), 'certdrill-bench-'));
  const started = performance.now();
  const result = await $`node --import tsx src/cli/main.ts erlang-ca-expiry --out ${out}`.quiet().nothrow();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(34)} ${seconds.toFixed(1).padStart(6)} s   exit ${result.exitCode}`);
  return seconds;
}

const images = (await $`docker images --filter reference=certdrill/* --format {{.Repository}}:{{.Tag}}`).stdout.split('\n').filter(Boolean);
if (images.length > 0) await $`docker rmi -f ${images}`;
// The build cache would make a "cold" build warm; drop it too.
await $`docker builder prune -af`.nothrow();

const cold = await timedRun('first run (image built)');
const warm: number[] = [];
for (let i = 0; i < runs; i++) warm.push(await timedRun(`run ${i + 2} (image reused)`));
const median = warm.sort((a, b) => a - b)[Math.floor(warm.length / 2)]!;
console.log(`image reuse saves ${(cold - median).toFixed(1)} s of ${cold.toFixed(1)} s`);
