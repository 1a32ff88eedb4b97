import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/**
 * One run of the scenario command, as `npm run scenario` runs it, its output
 * into a log; resolves with its exit status (130 when a Ctrl-C ended it).
 */
export function runScenarioCommand(args: string[], logPath: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolvePromise) => {
    const log = createWriteStream(logPath);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('close', (code, signal) => {
      log.end();
      resolvePromise(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}
