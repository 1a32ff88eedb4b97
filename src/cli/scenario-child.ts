import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

// main.ts through tsx in the repository; main.js, compiled, in the package.
const EXTENSION = extname(fileURLToPath(import.meta.url));
const MAIN = fileURLToPath(new URL(`./main${EXTENSION}`, import.meta.url));
const LOADER = EXTENSION === '.ts' ? ['--import', 'tsx'] : [];

/**
 * One run of the scenario command, as `npm run scenario` runs it, its output
 * into a log; resolves with its exit status (130 when a Ctrl-C ended it).
 */
export function runScenarioCommand(args: string[], logPath: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolvePromise) => {
    const log = createWriteStream(logPath);
    const child = spawn(process.execPath, [...LOADER, MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('close', (code, signal) => {
      log.end();
      resolvePromise(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}
