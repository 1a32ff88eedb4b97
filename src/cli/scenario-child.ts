import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

// The certdrill command: certdrill.ts through tsx in the repository; certdrill.js, compiled, in the package.
const EXTENSION = extname(fileURLToPath(import.meta.url));
const CERTDRILL = fileURLToPath(new URL(`./certdrill${EXTENSION}`, import.meta.url));
const LOADER = EXTENSION === '.ts' ? ['--import', 'tsx'] : [];

/**
 * One `certdrill run`, as `npm run scenario` runs it, its output
 * into a log; resolves with its exit status (130 when a Ctrl-C ended it).
 */
export function runScenarioCommand(args: string[], logPath: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolvePromise) => {
    const log = createWriteStream(logPath);
    // Not runChild: the run shares certdrill's process group on purpose, so a terminal's Ctrl-C reaches it and it cleans up as a run does.
    const child = spawn(process.execPath, [...LOADER, CERTDRILL, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('close', (code, signal) => {
      log.end();
      resolvePromise(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}
