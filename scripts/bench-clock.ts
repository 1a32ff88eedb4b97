#!/usr/bin/env -S npx tsx
/**
 * What certdrill-clock costs, measured (a benchmark, not a test: nothing here
 * passes or fails). On the etcd image, in default Docker containers:
 *
 * 1. clock reads per second of a static Go program (time.Now in a loop),
 *    through the vDSO and through the shim;
 * 2. the CPU an idle single etcd member uses over a window, without and with
 *    the shim, how many clock reads the supervisor answered for it (none
 *    where the vDSO is redirected with the offset page), and how the shim
 *    took over the programs it started;
 * 3. etcd put latency (p50, p99) for sequential puts through etcd's HTTP
 *    gateway on a kept-alive connection, without and with the shim.
 *
 *   npm run bench:clock [-- --idle SECONDS] [--puts N]
 *
 * Keep the machine otherwise idle while it runs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $, argv } from 'zx';
import { CLOCK_SHIM_IN_IMAGE } from '../src/clock/shim.js';
import { DockerPlatform } from '../src/platform/docker/docker-platform.js';
import { etcd } from '../src/workload/etcd/index.js';

$.verbose = false;
const IDLE_SECONDS = Number(argv.idle ?? 30);
const PUTS = Number(argv.puts ?? 1000);
const RATE_SECONDS = 3;
const GO_PROGRAM = fileURLToPath(new URL('../test/fixtures/gotime', import.meta.url));
type Mode = 'vDSO (no shim)' | 'certdrill-clock';
const MODES: Mode[] = ['vDSO (no shim)', 'certdrill-clock'];

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const dir = await mkdtemp(join(tmpdir(), 'certdrill-bench-clock-'));
const containers: string[] = [];
const cleanup = async () => {
  if (containers.length) await $`docker rm -f ${containers}`.nothrow();
  await rm(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup()
    .finally(() => process.exit(130))
    .catch(() => {});
});

try {
  await $`chmod 755 ${dir}`;
  await writeFile(join(dir, 'clock.rc'), '+0\n');
  console.error('building the Go program and the etcd image (reused when built)');
  await $({ cwd: GO_PROGRAM, env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local' } })`go build -o ${join(dir, 'gotime')} .`;
  const image = await new DockerPlatform({ runId: 'bench-clock' }).prepareImage(etcd.image);
  const shim = (mode: Mode, stats: string) =>
    mode === 'certdrill-clock' ? [CLOCK_SHIM_IN_IMAGE, '-f', '/t/clock.rc', '-s', `/t/${stats}`, '--'] : [];
  const run = (mode: Mode, stats: string, argv: string[], detach = false) => {
    const [entrypoint, ...rest] = [...shim(mode, stats), ...argv];
    return $`docker run ${detach ? ['-d'] : ['--rm']} -v ${dir}:/t --entrypoint ${entrypoint!} ${image} ${rest}`;
  };

  const rows: string[][] = [];
  for (const mode of MODES) {
    const out = (await run(mode, 'stats-rate', ['/t/gotime', 'rate', String(RATE_SECONDS)])).stdout;
    const [, reads, seconds] = /reads (\d+) in ([\d.]+) s/.exec(out) ?? [];
    rows.push([mode, 'Go time.Now() reads per second', Math.round(Number(reads) / Number(seconds)).toLocaleString('en')]);
    console.error(`${mode}: ${out.trim()}`);
  }

  for (const mode of MODES) {
    const stats = `stats-etcd-${mode === 'certdrill-clock' ? 'shim' : 'vdso'}`;
    const etcdArgs = [
      'etcd',
      '--data-dir',
      '/tmp/etcd',
      '--listen-client-urls',
      'http://0.0.0.0:2379',
      '--advertise-client-urls',
      'http://127.0.0.1:2379',
      '--log-level',
      'warn',
    ];
    const id = (await run(mode, stats, etcdArgs, true)).stdout.trim();
    containers.push(id);
    const host = (await $`docker inspect -f {{range.NetworkSettings.Networks}}{{.IPAddress}}{{end}} ${id}`).stdout.trim();
    await waitForPut(host);
    await sleep(5_000);
    console.error(`${mode}: idle etcd member, ${IDLE_SECONDS} s`);
    const cpuBefore = await cpuMicros(id);
    const readsBefore = await shimReads(join(dir, stats));
    const started = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const cpuAfter = await cpuMicros(id);
    const readsAfter = await shimReads(join(dir, stats));
    const wall = (performance.now() - started) / 1000;
    rows.push([mode, 'idle etcd member: CPU', `${((cpuAfter - cpuBefore) / 1e4 / wall).toFixed(2)} % of one core`]);
    if (mode === 'certdrill-clock') {
      rows.push([mode, 'idle etcd member: clock reads the supervisor answered', `${((readsAfter - readsBefore) / wall).toFixed(1)} per second`]);
      const counts = await shimCounts(join(dir, stats));
      rows.push([
        mode,
        'programs started: vDSO redirected / given the offset page / vDSO hidden',
        `${counts.vdso_redirected ?? 0} / ${counts.offset_pages ?? 0} / ${counts.vdso_hidden ?? 0}`,
      ]);
    }
    console.error(`${mode}: ${PUTS} puts`);
    const latencies = await puts(host, PUTS);
    rows.push([
      mode,
      `etcd put latency, ${PUTS} sequential puts`,
      `p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
    ]);
    await $`docker rm -f ${id}`.nothrow();
    containers.splice(containers.indexOf(id), 1);
  }

  const versions = (await $`docker run --rm --entrypoint etcd ${image} --version`).stdout.split('\n')[0];
  console.log(`certdrill-clock cost on this machine (${versions}, ${new Date().toISOString().slice(0, 10)})\n`);
  console.log('| clock | measure | value |\n|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  await cleanup();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The container's CPU time so far in microseconds, from its cgroup (v2 or v1), read from outside so the read costs the member nothing. */
async function cpuMicros(id: string): Promise<number> {
  const pid = (await $`docker inspect -f {{.State.Pid}} ${id}`).stdout.trim();
  const groups = (await readFile(`/proc/${pid}/cgroup`, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => l.split(':'));
  const v1 = groups.find(([, controllers]) => controllers!.split(',').includes('cpuacct'));
  if (v1) return Number(await readFile(join('/sys/fs/cgroup/cpuacct', v1[2]!, 'cpuacct.usage'), 'utf8')) / 1000;
  const stat = await readFile(join('/sys/fs/cgroup', groups.find(([h]) => h === '0')![2]!, 'cpu.stat'), 'utf8');
  return Number(/^usage_usec (\d+)/m.exec(stat)![1]);
}

async function shimCounts(file: string): Promise<Record<string, number>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return Object.fromEntries([...text.matchAll(/^(\w+) (-?\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

async function shimReads(file: string): Promise<number> {
  return (await shimCounts(file)).clock_reads ?? 0;
}

function put(host: string, i: number): Promise<number> {
  const body = JSON.stringify({ key: Buffer.from(`bench/${i % 100}`).toString('base64'), value: Buffer.from(`value ${i}`).toString('base64') });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port: 2379, path: '/v3/kv/put', method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 5_000 },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function waitForPut(host: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await put(host, 0);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`etcd at ${host} took no put within 30 s: ${(error as Error).message}`, { cause: error });
      await sleep(200);
    }
  }
}

async function puts(host: string, count: number): Promise<number[]> {
  for (let i = 0; i < 50; i++) await put(host, i);
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) latencies.push(await put(host, i));
  return latencies;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
