import type { ClusterOptions, PlatformName } from '../platform/index.js';
import { runScenario } from '../run/runner.js';
import type { AnyScenario } from '../scenario/types.js';
import { verdictWord } from '../scenario/verdict.js';
import { isUserError } from './exit.js';
import { abort } from './signals.js';
import type { progressPrinter } from './progress.js';

export { exitWhenDone, isUserError } from './exit.js';
export { abort, printOn, stopOnSignals } from './signals.js';

/**
 * One scenario run from the command line, as `npm run scenario -- <name>` and
 * `npm run rehearse` do it: Ctrl-C handling, progress, the verdicts, the exit
 * status.
 */

/** Runs the scenario into outDir and says how it went; the exit status: 0 all PASS, 1 not, 130 interrupted. A user's error is thrown. */
export async function runOneScenario(
  scenario: AnyScenario,
  options: { platform: PlatformName; outDir: string; keepCluster?: boolean; cluster?: ClusterOptions },
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
    cluster: options.cluster,
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
