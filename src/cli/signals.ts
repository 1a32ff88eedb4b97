import { commandLine } from '../util/command-words.js';
/** Ctrl-C and its kin for a command-line run: the first stops the run cleanly, a later one leaves at once. */

/**
 * Copies of one Ctrl-C arriving within this long count as one. A terminal
 * sends SIGINT to the whole foreground group, and whatever stands between it
 * and certdrill may pass its own copy on (npm to its shell; npx and the tsx
 * binary to their child, tsx after 30 ms): late when the machine is busy.
 */
const SAME_KEYPRESS_MS = 2_000;

export const abort = new AbortController();
let firstSignalAt = 0;
let print: (line: string) => void = (line) => process.stderr.write(`${line}\n`);

/** Where a second Ctrl-C's last words go: the progress printer, once there is one. */
export function printOn(line: (text: string) => void): void {
  print = line;
}

/** Before anything else: a Ctrl-C while scenarios load or certificates are forged is a clean stop too. */
export function stopOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

/** The first SIGINT or SIGTERM stops the run, which removes what it made; another, later than a copy of the first could be, leaves at once. */
function onSignal(signal: NodeJS.Signals): void {
  if (abort.signal.aborted && Date.now() - firstSignalAt < SAME_KEYPRESS_MS) return;
  if (abort.signal.aborted) {
    print(`second ${signal}: leaving now; ${commandLine('cleanup')} removes what is left`);
    process.exit(130);
  }
  print(`${signal}: stopping and removing what this run made (press Ctrl-C again to leave at once)`);
  firstSignalAt = Date.now();
  abort.abort();
}
