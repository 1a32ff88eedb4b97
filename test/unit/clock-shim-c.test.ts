import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * certdrill-clock (src/clock/shim/) on its own, on this machine: its C parts
 * tested in C (test/clock-shim/shim-test.c: offset parsing, this kernel's
 * vDSO read as the supervisor reads it), and the supervisor built as the
 * images build it, run on real programs (`date`, a static Go program), its
 * offset page checked. The Debian compiler builds it; Go builds the program.
 */

const SHIM = fileURLToPath(new URL('../../src/clock/shim/', import.meta.url));
const C_TEST = fileURLToPath(new URL('../clock-shim/shim-test.c', import.meta.url));
const GO_PROGRAM = fileURLToPath(new URL('../fixtures/gotime', import.meta.url));
const YEAR = 365 * 86_400;
const GCC = ['-O2', '-Wall', '-Wextra', '-Werror'];

let dir: string;
const clockFile = () => join(dir, 'clock.rc');
const shim = (argv: string[], options: { timeout?: number } = {}) =>
  execa(join(dir, 'certdrill-clock'), ['-f', clockFile(), '--', ...argv], { reject: false, timeout: options.timeout ?? 20_000 });
const now = () => Math.floor(Date.now() / 1000);
/** The offset pages of certdrill-clock supervisors in /dev/shm: `certdrill-clock.<pid>.<random>` folders. */
const offsetPages = async () => (await readdir('/dev/shm')).filter((name) => /^certdrill-clock\.\d+\./.test(name));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certdrill-clock-c-'));
  const sources = ['certdrill-clock.c', 'offset.c', 'vdso.c'].map((f) => join(SHIM, f));
  // As build.sh builds it in an image, static.
  await execa('gcc', [...GCC, '-static', '-o', join(dir, 'certdrill-clock'), ...sources]);
  await execa('gcc', [...GCC, '-o', join(dir, 'shim-test'), C_TEST, join(SHIM, 'offset.c'), join(SHIM, 'vdso.c')]);
  await execa('go', ['build', '-o', join(dir, 'gotime'), '.'], {
    cwd: GO_PROGRAM,
    env: { CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
  });
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('certdrill-clock in C', () => {
  it("parses offsets, refusing NaN, infinities and out-of-range values, and reads this kernel's vDSO (shim-test.c)", async () => {
    const run = await execa(join(dir, 'shim-test'), { reject: false });
    expect(run.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  it("moves the clock of date and of a static Go program (and the child it starts) by the clock file's offset", async () => {
    await writeFile(clockFile(), `+${YEAR}\n`);
    const date = await shim(['date', '-u', '+%s']);
    expect(date.exitCode).toBe(0);
    expect(Math.abs(Number(date.stdout.trim()) - now() - YEAR)).toBeLessThanOrEqual(2);
    const go = await shim([join(dir, 'gotime')]);
    expect(go.exitCode).toBe(0);
    const read = Object.fromEntries(
      go.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
    expect(Math.abs(Number(read.go) - now() - YEAR)).toBeLessThanOrEqual(2);
    expect(Math.abs(Number(read.child) - now() - YEAR)).toBeLessThanOrEqual(2);
  });

  it.each([
    ['+nan', 'not a number'],
    ['+inf', 'an offset beyond 100000000000 seconds'],
    ['+1e12', 'an offset beyond 100000000000 seconds'],
    ['31536000', 'no offset like'],
  ])('a clock file holding %j is refused in one line, and the program runs on real time', async (content, words) => {
    await writeFile(clockFile(), `${content}\n`);
    const date = await shim(['date', '-u', '+%s']);
    expect(date.exitCode).toBe(0);
    expect(Math.abs(Number(date.stdout.trim()) - now())).toBeLessThanOrEqual(2);
    const lines = date.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith(`certdrill-clock: ${clockFile()} holds ${words}`)).toBe(true);
    expect(lines[0]!.endsWith(': real time until it holds one like +31536000')).toBe(true);
  });

  it('keeps its offset page in a private folder (0700, the file 0600, named by its pid and a random part), removed when it ends and swept when it was killed', async () => {
    await writeFile(clockFile(), '+0\n');
    const before = await offsetPages();
    const running = execa(join(dir, 'certdrill-clock'), ['-f', clockFile(), '--', 'sleep', '30'], { reject: false });
    let mine: string | undefined;
    for (let i = 0; i < 50 && !mine; i++) {
      await new Promise((r) => setTimeout(r, 100));
      mine = (await offsetPages()).find((name) => name.startsWith(`certdrill-clock.${running.pid}.`) && !before.includes(name));
    }
    expect(mine, 'an offset page folder of the running supervisor').toBeDefined();
    expect((await stat(join('/dev/shm', mine!))).mode & 0o777).toBe(0o700);
    expect((await stat(join('/dev/shm', mine!, 'offset'))).mode & 0o777).toBe(0o600);
    expect(mine).toMatch(/^certdrill-clock\.\d+\.[A-Za-z0-9]{6}$/);

    // SIGKILL: the supervisor cannot remove it, and the program dies with it (PR_SET_PDEATHSIG).
    running.kill('SIGKILL');
    await running;
    expect(await offsetPages()).toContain(mine);
    const next = await shim(['true']);
    expect(next.exitCode).toBe(0);
    const after = await offsetPages();
    expect(after).not.toContain(mine);
    // And the one that ended normally removed its own.
    expect(after.filter((name) => !before.includes(name))).toEqual([]);
  });
});
