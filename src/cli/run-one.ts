import { ClockSpecError } from '../clock/spec.js';
import { ValidityError } from '../pki/validity.js';
import type { PlatformName } from '../platform/index.js';
import { EnvironmentError } from '../platform/types.js';
import { runScenario, ScenarioSetupError } from '../run/runner.js';
import { ScenarioFileError, UnknownScenarioError } from '../scenario/registry.js';
import type { AnyScenario } from '../scenario/types.js';
import { verdictWord } from '../scenario/verdict.js';
import { UsageError } from '../util/errors.js';
import type { progressPrinter } from './progress.js';

/**
 * One scenario run from the command line, as `npm run scenario -- <name>` and
 * `npm run rehearse` do it: Ctrl-C handling, progress, the verdicts, the exit
 * status.
 */

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
    print(`second ${signal}: leaving now; npm run scenario -- --cleanup removes what is left`);
    process.exit(130);
  }
  print(`${signal}: stopping and removing what this run made (press Ctrl-C again to leave at once)`);
  firstSignalAt = Date.now();
  abort.abort();
}

/** Errors the user can fix, reported in one line with exit status 2. */
export function isUserError(error: unknown): boolean {
  return [UsageError, UnknownScenarioError, ScenarioFileError, ScenarioSetupError, EnvironmentError, ClockSpecError, ValidityError].some((k) => error instanceof k);
}

/** Runs the scenario into outDir and says how it went; the exit status: 0 all PASS, 1 not, 130 interrupted. A user's error is thrown. */
export async function runOneScenario(
  scenario: AnyScenario,
  options: { platform: PlatformName; outDir: string; keepCluster?: boolean },
  printer: ReturnType<typeof progressPrinter>,
): Promise<number> {
  printer.line(`scenario ${scenario.name}: ${scenario.description}`);
  const result = await runScenario({
    scenario,
    platform: options.platform,
    outDir: options.outDir,
    signal: abort.signal,
    progress: printer.line,
    onRecord: printer.record,
    keepCluster: options.keepCluster,
  });
  if (result.outcome === 'failed' && result.error) {
    if (isUserError(result.error)) throw result.error;
    printer.line(`the run failed: ${result.error.message}`);
  }
  if (result.outcome === 'interrupted') {
    if (result.interruptedIn === 'set-up') printer.line('interrupted during set-up: nothing was started, nothing to remove');
    else if (result.error) printer.line(`interrupted; ${result.error.message}. Partial findings: ${result.findingsPath}`);
    else printer.line(`interrupted; what it made is removed. Partial findings: ${result.findingsPath}`);
    return 130;
  }
  if (result.expectations.length === 0) return 1;
  for (const e of result.expectations) printer.line(`${verdictWord(e.result.verdict)} ${e.title}: ${e.result.observed}`);
  printer.line(`findings: ${result.findingsPath}`);
  printer.line(`timeline: ${result.timelinePath}`);
  // UNKNOWN (could not judge) exits 1 like FAIL: neither is a pass.
  return result.outcome === 'completed' && result.expectations.every((e) => e.result.verdict === 'pass') ? 0 : 1;
}

/** Ends the process with the command's exit status: a user's error is one line and 2, a bug its stack and 1. */
export function exitWhenDone(command: Promise<number>): void {
  command.then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (isUserError(error)) {
        console.error(`certdrill: ${(error as Error).message}`);
        process.exit(2);
      }
      // A bug in certdrill: the stack is for whoever fixes it, the last line for whoever runs it.
      console.error((error as Error)?.stack ?? String(error));
      console.error(`certdrill: unexpected error: ${String((error as Error)?.message ?? error).split('\n')[0]} (a bug in certdrill: the stack above says where)`);
      process.exit(1);
    },
  );
}
