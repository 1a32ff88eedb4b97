import { readFileSync } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { expect } from 'vitest';
import { processTree } from './process-tree.js';

// What `npm run scenario --` runs (package.json), without npm's own chatter on stderr.
export const CLI = ['--import', 'tsx', 'src/cli/certdrill.ts', 'run'];

/** What npm tells the command a script runs: the script's name, which certdrill's advice then names. */
export const byNpmScript = (script: string): Record<string, string> => ({ npm_lifecycle_event: script });

/** The CLI run directly with node, as `npm run scenario` runs it; resolves when it ends. */
export function cli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}) {
  return execa('node', [...CLI, ...args], {
    reject: false,
    env: { ...byNpmScript('scenario'), ...options.env },
    cwd: options.cwd,
    all: true,
    timeout: options.timeoutMs ?? 60_000,
  });
}

/** `npm run <script> -- ARGS` without npm in between: the script's command line from package.json, told its name as npm tells it. */
export function npmRun(script: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number; all?: boolean } = {}) {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [file, ...words] = scripts[script]!.split(' ');
  return execa(file!, [...words, ...args], {
    reject: false,
    all: true,
    env: { ...byNpmScript(script), ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
}

/**
 * `npm run -s scenario -- ARGS` as a terminal's foreground job: a process
 * group of its own, so a signal can go to the whole group as Ctrl-C does.
 */
export function npmScenario(args: string[], env: Record<string, string> = {}): ResultPromise<{ reject: false; all: true; detached: true }> {
  return execa('npm', ['run', '-s', 'scenario', '--', ...args], { reject: false, all: true, detached: true, env });
}

/** What a terminal's Ctrl-C does: SIGINT to every process of the foreground group. */
export function ctrlC(child: { pid?: number }): void {
  process.kill(-child.pid!, 'SIGINT');
}

/** Resolves with the output so far once it matches `pattern`; rejects after `timeoutMs` or when the run ends first. */
export function untilOutput(child: ResultPromise, pattern: RegExp, timeoutMs = 240_000): Promise<string> {
  let seen = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the run never printed ${pattern} within ${timeoutMs / 1000} s; it printed:\n${seen}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        child.all!.off('data', onData);
        resolve(seen);
      }
    };
    child.all!.on('data', onData);
    child.then(
      () => {
        clearTimeout(timer);
        reject(new Error(`the run ended before printing ${pattern}; it printed:\n${seen}`));
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The pids of a running child and everything under it (npm, its shell, certdrill's node): the owners its Docker objects name. */
export function pidsUnder(child: { pid?: number }): number[] {
  return processTree(child.pid!);
}

/**
 * The exit status a shell reports: npm passes certdrill's status on, or,
 * when certdrill was interrupted, re-raises SIGINT on itself (the shell says 130).
 */
export function shellStatus(run: { exitCode?: number; signal?: string }): number | string | undefined {
  return run.exitCode ?? (run.signal === 'SIGINT' ? 130 : run.signal);
}

/** One line: stderr's last non-empty line is `certdrill: ...` matching `message`, and there is no stack trace. */
export function expectOneLine(stderr: string, message: RegExp): void {
  const last =
    stderr
      .split('\n')
      .filter((l) => l.trim())
      .at(-1) ?? '';
  expect(last).toMatch(/^certdrill: /);
  expect(last.replace(/^certdrill: /, '')).toMatch(message);
  expect(stderr).not.toMatch(/\n\s+at /);
}
