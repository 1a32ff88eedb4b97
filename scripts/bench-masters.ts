#!/usr/bin/env -S npx tsx
/**
 * Three kops masters of each real etcd-manager version, on docker: how long
 * they take to form (from the run's start, containers started, to every
 * member Healthy in kube-apiserver's /readyz/etcd) and the peak memory of each
 * master (etcd-manager, etcd and kube-apiserver together: `docker stats`
 * every 2 s). A benchmark, not a test: nothing here passes or fails.
 *
 *   npm run bench:masters [-- --runs N]   each version N times (default 1); the median
 *
 * The images must be built (npm run scenario -- --prepare, with CERTDRILL_ETCD_MANAGER_SOURCE).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, argv } from 'zx';
import { ETCD_MANAGER_VERSIONS } from '../src/workload/etcd/manager/versions.js';

$.verbose = false;
const runs = Number(argv.runs ?? 1);
const SCENARIO = join(import.meta.dirname, 'bench-masters', 'form.ts');

/** Peak memory (MiB) per container of this run, sampled until `done` resolves. */
async function peakMemory(done: Promise<unknown>): Promise<Map<string, number>> {
  const peak = new Map<string, number>();
  let finished = false;
  // Its rejection is the caller's, who awaits `done` itself.
  done.finally(() => (finished = true)).catch(() => {});
  while (!finished) {
    const out = await $`docker stats --no-stream --format ${'{{.Name}} {{.MemUsage}}'}`.nothrow();
    for (const line of out.stdout.split('\n')) {
      const match = /^certdrill-\S+-(etcd-[abc])-\d+ ([\d.]+)(KiB|MiB|GiB)/.exec(line.trim());
      if (!match) continue;
      const mib = Number(match[2]) * { KiB: 1 / 1024, MiB: 1, GiB: 1024 }[match[3] as 'KiB' | 'MiB' | 'GiB'];
      peak.set(match[1]!, Math.max(peak.get(match[1]!) ?? 0, mib));
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return peak;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

for (const version of ETCD_MANAGER_VERSIONS) {
  const formed: number[] = [];
  const memory: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = await mkdtemp(join(tmpdir(), 'certdrill-bench-masters-'));
    const run = $({ env: { ...process.env, CERTDRILL_BENCH_MANAGER: version } })`node --import tsx src/cli/certdrill.ts run ${SCENARIO} --out ${out}`
      .quiet()
      .nothrow();
    const peak = await peakMemory(run);
    const result = await run;
    const timeline = (await readFile(join(out, 'timeline.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; id?: string; t: string; event?: string; outcome?: string });
    const start = timeline.find((r) => r.kind === 'run' && r.event === 'start')!;
    const step = timeline.find((r) => r.kind === 'step' && r.id === 'formed');
    const seconds = step?.outcome === 'met' ? (Date.parse(step.t) - Date.parse(start.t)) / 1000 : Number.NaN;
    formed.push(seconds);
    memory.push(...peak.values());
    console.log(
      `etcd-manager ${version}: run ${i + 1}: exit ${result.exitCode}, formed in ${Number.isNaN(seconds) ? 'never (timed out)' : `${seconds.toFixed(1)} s`}, peak memory per master ${[...peak].map(([n, m]) => `${n} ${m.toFixed(0)} MiB`).join(', ')}`,
    );
  }
  console.log(
    `etcd-manager ${version}: formed in ${median(formed).toFixed(1)} s (median of ${runs}); peak memory per master up to ${Math.max(...memory).toFixed(0)} MiB`,
  );
}
