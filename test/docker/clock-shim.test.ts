import { chmod, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_SHIM_IN_IMAGE, clockFileContent, LIBFAKETIME_IN_IMAGE } from '../../src/clock/index.js';
import { DockerPlatform } from '../../src/platform/docker/docker-platform.js';
import { toy } from '../../src/workload/toy/index.js';

/**
 * certdrill-clock on real programs, in a default Docker container (no
 * capability added, the engine's default seccomp profile): a static Go
 * program, which libfaketime cannot reach, and `date` see the offset of the
 * clock file, and a rewrite of the file moves them while they run. The shim
 * comes from an image built the way every workload's is.
 */

const YEAR = 365 * 86_400;
const GO_PROGRAM = fileURLToPath(new URL('../fixtures/gotime', import.meta.url));

let image: string;
let dir: string;

async function setClock(seconds: number): Promise<void> {
  // As certdrill does in a node: write beside, rename over.
  await writeFile(join(dir, '.clock.tmp'), clockFileContent(seconds));
  await rename(join(dir, '.clock.tmp'), join(dir, 'clock.rc'));
}

/** Runs argv in a throw-away container of the image with the test folder at /t. */
function inContainer(argv: string[], options: { entrypoint?: string; env?: Record<string, string>; name?: string } = {}) {
  const env = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const name = options.name ? ['--name', options.name] : [];
  return execa(
    'docker',
    ['run', '--rm', ...name, '-v', `${dir}:/t`, ...env, '--entrypoint', options.entrypoint ?? CLOCK_SHIM_IN_IMAGE, image, ...argv],
    { reject: false, timeout: 60_000 },
  );
}

const shim = (...argv: string[]) => ['-f', '/t/clock.rc', '--', ...argv];
const pick = (record: Record<string, number>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, record[k]]));

/** Runs argv under the shim with its statistics file, and reads that back. */
async function withStats(argv: string[], dockerOptions: string[] = []) {
  await rm(join(dir, 'stats'), { force: true });
  const run = await execa(
    'docker',
    [
      'run',
      '--rm',
      '-v',
      `${dir}:/t`,
      ...dockerOptions,
      '--entrypoint',
      CLOCK_SHIM_IN_IMAGE,
      image,
      '-f',
      '/t/clock.rc',
      '-s',
      '/t/stats',
      '--',
      ...argv,
    ],
    { reject: false, timeout: 60_000 },
  );
  const text = await readFile(join(dir, 'stats'), 'utf8').catch(() => '');
  const stats: Record<string, number> = Object.fromEntries([...text.matchAll(/^(\w+) (-?\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  return { run, stats };
}
const goSeconds = (stdout: string) => [...stdout.matchAll(/^go (\d+)$/gm)].map((m) => Number(m[1]));
const aheadOfNow = (seconds: number) => seconds - Date.now() / 1000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certdrill-shim-'));
  await chmod(dir, 0o755);
  // A static Go program, built with the Go toolchain here (no cgo: Go's own time code, no libc).
  await execa('go', ['build', '-o', join(dir, 'gotime'), '.'], {
    cwd: GO_PROGRAM,
    env: { CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
  });
  image = await new DockerPlatform({ runId: 'clock-shim-test' }).prepareImage(toy.image);
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('certdrill-clock', () => {
  it("moves a static Go program's clock and date's, and the child the Go program starts", async () => {
    await setClock(YEAR);
    const run = await inContainer(shim('sh', '-c', 'date -u +%s; /t/gotime 1'));
    expect(run.exitCode, run.stderr).toBe(0);
    const [date, go, child] = [Number(run.stdout.split('\n')[0]), goSeconds(run.stdout)[0]!, Number(/^child (\d+)$/m.exec(run.stdout)?.[1])];
    for (const seconds of [date, go, child]) expect(Math.abs(aheadOfNow(seconds) - YEAR)).toBeLessThan(30);
  });

  it('redirects the vDSO of each program it starts: the real-time reads add the offset in the program itself, without the supervisor (x86_64)', async () => {
    await setClock(YEAR);
    const { run, stats } = await withStats(['/t/gotime', '3', '50']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(goSeconds(run.stdout).every((s) => Math.abs(aheadOfNow(s) - YEAR) < 30)).toBe(true);
    // Two programs started, the Go program and the date it runs: each redirected and given the offset page, so no read reached the supervisor.
    const expected =
      process.arch === 'x64'
        ? { vdso_redirected: 2, vdso_hidden: 0, offset_pages: 2, clock_reads: 0 }
        : { vdso_redirected: 0, vdso_hidden: 2, offset_pages: 0 };
    expect(pick(stats, Object.keys(expected))).toEqual(expected);
  });

  it('where no offset page can be made (no writable /dev/shm or /tmp), traps the real-time reads and answers them instead', async () => {
    await setClock(YEAR);
    const { run, stats } = await withStats(['/t/gotime', '3', '50'], ['--read-only', '--mount', 'type=tmpfs,destination=/dev/shm,readonly']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(goSeconds(run.stdout).every((s) => Math.abs(aheadOfNow(s) - YEAR) < 30)).toBe(true);
    expect(Number(/^child (\d+)$/m.exec(run.stdout)?.[1]) - Date.now() / 1000).toBeGreaterThan(YEAR - 30);
    expect(stats.offset_pages).toBe(0);
    // The Go program's three reads and date's, at least, were answered by the supervisor.
    expect(stats.clock_reads).toBeGreaterThanOrEqual(4);
  });

  it('follows a rewrite of the clock file while the program runs, without a restart', async () => {
    await setClock(YEAR);
    const running = inContainer(shim('/t/gotime', '20', '200'));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await setClock(2 * YEAR);
    const run = await running;
    expect(run.exitCode, run.stderr).toBe(0);
    const years = goSeconds(run.stdout).map((s) => Math.round(aheadOfNow(s) / YEAR));
    expect(years[0]).toBe(1);
    expect(years.at(-1)).toBe(2);
    // Never anything but the two clocks: no garbage year from a read the shim failed to answer.
    expect(years.every((y) => y === 1 || y === 2)).toBe(true);
  });

  it('is what libfaketime is not: under libfaketime the same Go program reads real time, date the faked one', async () => {
    await setClock(YEAR);
    const run = await inContainer(['-c', 'date -u +%s; /t/gotime 1'], {
      entrypoint: '/bin/sh',
      env: { LD_PRELOAD: LIBFAKETIME_IN_IMAGE, FAKETIME_TIMESTAMP_FILE: '/t/clock.rc', FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(Math.abs(aheadOfNow(Number(run.stdout.split('\n')[0])) - YEAR)).toBeLessThan(30);
    expect(Math.abs(aheadOfNow(goSeconds(run.stdout)[0]!))).toBeLessThan(30);
  });

  it("passes the program's exit status on, and says in one line when the program cannot be run", async () => {
    await setClock(0);
    expect((await inContainer(shim('sh', '-c', 'exit 7'))).exitCode).toBe(7);
    const missing = await inContainer(shim('/t/no-such-program'));
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr.trim()).toBe('certdrill-clock: cannot run /t/no-such-program: No such file or directory');
  });

  it("as a container's PID 1, passes docker stop's SIGTERM on: the container stops at once, not after the 10 s grace", async () => {
    await setClock(0);
    const name = `certdrill-shim-test-${process.pid}`;
    const running = inContainer(shim('sleep', '60'), { name });
    await execa('sh', [
      '-c',
      `for i in $(seq 50); do docker inspect -f '{{.State.Running}}' ${name} 2>/dev/null | grep -q true && exit 0; sleep 0.2; done; exit 1`,
    ]);
    const started = Date.now();
    await execa('docker', ['stop', name]);
    const run = await running;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.exitCode).toBe(143);
  });
});
