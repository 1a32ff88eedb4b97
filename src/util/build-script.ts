import { createInterface } from 'node:readline';
import { runChild } from './child-process.js';
import { EnvironmentError } from './errors.js';

/** Go builds take minutes cold (8 for etcd-manager's current version on 2 busy cores); seconds when cached. */
const BUILD_TIMEOUT_MS = 30 * 60_000;

/**
 * Runs a build script (bash) that prints what it made on its last line of
 * stdout: its progress lines (those starting with `prefix`) passed on, its
 * exit 2 a one-line EnvironmentError (what the machine lacks), any other
 * failure an error with its last lines.
 */
export async function runBuildScript(script: string, args: string[], prefix: string, progress: (line: string) => void): Promise<string> {
  const child = runChild('bash', [script, ...args], { timeout: BUILD_TIMEOUT_MS, reject: false });
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (line.startsWith(prefix)) progress(line);
  });
  const result = await child;
  if (result.exitCode === 2) throw new EnvironmentError(tail.at(-1) ?? `${script} cannot build here`);
  if (result.failed) throw new Error(`${script} failed (${result.shortMessage}):\n${tail.join('\n')}`);
  return String(result.stdout).trim().split('\n').pop()!;
}
