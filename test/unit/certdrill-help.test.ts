import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

/** `certdrill <command> --help`, for every command its own help lists: exit 0 and that command's usage, in certdrill's words. */
const CERTDRILL = fileURLToPath(new URL('../../src/cli/certdrill.ts', import.meta.url));
const certdrill = (args: string[]) => execa('node', ['--import', 'tsx', CERTDRILL, ...args], { reject: false, timeout: 20_000 });

describe('certdrill --help', () => {
  it('lists the commands; every one answers --help with exit 0 and its own usage', async () => {
    const help = await certdrill(['--help']);
    expect(help.exitCode).toBe(0);
    const commands = [...help.stdout.matchAll(/^ {2}certdrill ([a-z][a-z-]*)/gm)].map((m) => m[1]!);
    expect(commands).toEqual(
      expect.arrayContaining(['run', 'all', 'list', 'prepare', 'cleanup', 'inspect', 'rehearse', 'matrix', 'matrix-report', 'base-image']),
    );
    const runs = await Promise.all(commands.map(async (command) => ({ command, run: await certdrill([command, '--help']) })));
    for (const { command, run } of runs) {
      expect(run.exitCode, `${command} --help: ${run.stderr}`).toBe(0);
      expect(run.stdout, command).toMatch(new RegExp(`^usage: certdrill ${command}\\b`));
      expect(run.stdout, command).not.toContain('npm run');
    }
  }, 60_000);
});
