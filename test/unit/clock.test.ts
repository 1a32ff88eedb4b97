import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_FILE,
  clockFileContent,
  faketimeEnv,
  LIBFAKETIME_IN_IMAGE,
  LIBFAKETIME_ON_DEBIAN,
  writeClockFileCommand,
} from '../../src/clock/faketime.js';
import { CLOCK_SHIM_IN_IMAGE, clockEnv } from '../../src/clock/shim.js';
import { buildContext, contentTag } from '../../src/platform/docker/image.js';
import { onNodeClock, type NodeSpec } from '../../src/platform/types.js';
import { ClockSpecError, describeOffset, offsetSeconds, parseClockSpec } from '../../src/clock/spec.js';

const DAY = 86_400;

describe('clock specs', () => {
  it('reads offsets and absolute instants', () => {
    expect(offsetSeconds('+31d')).toBe(31 * DAY);
    expect(offsetSeconds('-2h')).toBe(-7200);
    expect(offsetSeconds('+0')).toBe(0);
    expect(offsetSeconds('90')).toBe(90);
    expect(offsetSeconds('+1y')).toBe(365 * DAY);
    const now = new Date('2026-11-23T00:00:00Z');
    expect(offsetSeconds('2026-12-24T00:00:00Z', now)).toBe(31 * DAY);
    expect(offsetSeconds('2026-11-22T22:00:00+00:00', now)).toBe(-7200);
    expect(parseClockSpec('2026-12-24 00:00:00Z')).toEqual({ kind: 'instant', at: new Date('2026-12-24T00:00:00Z') });
  });

  it.each(['', '31 days', '+31x', 'tomorrow', '2026-12-24', '2026-12-24T00:00:00', '++1d'])(
    'rejects %j with a message that says what to write',
    (spec) => {
      expect(() => parseClockSpec(spec)).toThrow(ClockSpecError);
      expect(() => parseClockSpec(spec)).toThrow(/use an offset like \+31d/);
    },
  );

  it('describes offsets the way a scenario writes them', () => {
    expect(describeOffset(31 * DAY)).toBe('+31d');
    expect(describeOffset(-7200)).toBe('-2h');
    expect(describeOffset(0)).toBe('+0');
    expect(describeOffset(61)).toBe('+61s');
  });

  it('writes libfaketime relative offsets in seconds', () => {
    expect(clockFileContent(31 * DAY)).toBe('+2678400\n');
    expect(clockFileContent(-7200)).toBe('-7200\n');
    expect(clockFileContent(0)).toBe('+0\n');
  });

  it("writes a node's clock file beside it and renames it over, in one sh command", async () => {
    const command = writeClockFileCommand(-7200);
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(command.slice(4)).toEqual(['-7200\n', '/certdrill/clock/.faketime.rc.tmp', CLOCK_FILE]);
    // Run for real against a file here: the content lands, the temporary file does not stay.
    const dir = await mkdtemp(join(tmpdir(), 'certdrill-clockfile-'));
    const clockFile = join(dir, 'faketime.rc');
    const [file, ...args] = writeClockFileCommand(31 * DAY, clockFile);
    await execa(file!, args);
    expect(await readFile(clockFile, 'utf8')).toBe('+2678400\n');
    expect(await readdir(dir)).toEqual(['faketime.rc']);
  });
});

describe('a clock file drives a running process under the real libfaketime', () => {
  it('jumps the clock of a process that keeps running, forward and back, without a restart', async () => {
    expect(existsSync(LIBFAKETIME_ON_DEBIAN), `libfaketime is not installed at ${LIBFAKETIME_ON_DEBIAN}: apt-get install libfaketime`).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'certdrill-clock-'));
    const clockFile = join(dir, 'faketime.rc');
    // The very command a platform runs in a node to move its clock.
    const write = async (seconds: number) => {
      const [file, ...args] = writeClockFileCommand(seconds, clockFile);
      await execa(file!, args);
    };
    await write(0);

    // perl's time() goes through libc, which libfaketime intercepts; it prints its clock every 50 ms.
    const child = execa('perl', ['-e', '$|=1; for (1..400) { print time(), "\\n"; select(undef, undef, undef, 0.05); }'], {
      env: faketimeEnv(clockFile, LIBFAKETIME_ON_DEBIAN),
      buffer: false,
    });
    const lines = createInterface({ input: child.stdout! });
    const offsets: number[] = [];
    const waitForOffset = (target: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the process clock never reached ${target} s offset (saw ${offsets.slice(-3).join(', ')})`)),
          5000,
        );
        const onLine = (line: string) => {
          const offset = Number(line) - Math.floor(Date.now() / 1000);
          offsets.push(offset);
          if (Math.abs(offset - target) <= 2) {
            clearTimeout(timer);
            lines.off('line', onLine);
            resolve();
          }
        };
        lines.on('line', onLine);
      });

    await waitForOffset(0);
    await write(31 * DAY);
    await waitForOffset(31 * DAY);
    await write(-2 * 3600);
    await waitForOffset(-2 * 3600);
    expect(child.pid).toBeDefined();
    expect(child.exitCode).toBeNull(); // the same process all along
    child.kill();
    await child.catch(() => {});
  });
});

describe("what moves a node's clock", () => {
  it('libfaketime: LD_PRELOAD and the clock file; certdrill-clock: only its name, never libfaketime as well (the offset would count twice)', () => {
    expect(clockEnv('libfaketime')).toMatchObject({
      CERTDRILL_CLOCK_BY: 'libfaketime',
      LD_PRELOAD: LIBFAKETIME_IN_IMAGE,
      FAKETIME_TIMESTAMP_FILE: CLOCK_FILE,
    });
    expect(clockEnv('certdrill-clock')).toEqual({ CERTDRILL_CLOCK_BY: 'certdrill-clock' });
  });

  it('runs a command through the shim only on a node that asks for it', () => {
    const node = { clockBy: 'certdrill-clock' } as NodeSpec;
    expect(onNodeClock(node, ['date'])).toEqual([CLOCK_SHIM_IN_IMAGE, '-f', CLOCK_FILE, '--', 'date']);
    expect(onNodeClock({ ...node, clockBy: 'libfaketime' }, ['date'])).toEqual(['date']);
    expect(onNodeClock({ ...node, clockBy: undefined }, ['date'])).toEqual(['date']);
  });
});

describe('image tags', () => {
  it("change when a folder the build includes changes, as the shim's source is", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certdrill-tag-'));
    await mkdir(join(dir, 'context'));
    await mkdir(join(dir, 'shim'));
    await writeFile(join(dir, 'context', 'Dockerfile'), 'FROM scratch\n');
    await writeFile(join(dir, 'shim', 'a.c'), 'int main(void) { return 0; }\n');
    const image = { repository: 'certdrill/t', context: join(dir, 'context'), include: { 'clock-shim': join(dir, 'shim') } };
    const before = await contentTag(image);
    expect(await contentTag({ ...image, include: {} })).not.toBe(before);
    await writeFile(join(dir, 'shim', 'a.c'), 'int main(void) { return 1; }\n');
    expect(await contentTag(image)).not.toBe(before);
    const context = await buildContext(image);
    expect(await readFile(join(context.dir, 'clock-shim', 'a.c'), 'utf8')).toContain('return 1');
    expect(await readFile(join(context.dir, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    await context.remove();
    await rm(dir, { recursive: true });
  });
});
