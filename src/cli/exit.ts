import { ClockSpecError } from '../clock/spec.js';
import { ValidityError } from '../pki/validity.js';
import { EnvironmentError } from '../platform/types.js';
import { ScenarioSetupError } from '../run/setup-error.js';
import { ScenarioFileError, UnknownScenarioError } from '../scenario/registry.js';
import { UsageError } from '../util/errors.js';

/** Errors the user can fix, reported in one line with exit status 2. */
export function isUserError(error: unknown): boolean {
  return [UsageError, UnknownScenarioError, ScenarioFileError, ScenarioSetupError, EnvironmentError, ClockSpecError, ValidityError].some(
    (k) => error instanceof k,
  );
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
      console.error(
        `certdrill: unexpected error: ${String((error as Error)?.message ?? error).split('\n')[0]} (a bug in certdrill: the stack above says where)`,
      );
      process.exit(1);
    },
  );
}

/** A usage error with where to read the usage after it, on the same line; any other error as it was. */
export function withUsageHint(error: unknown, help: string): unknown {
  return error instanceof UsageError ? new UsageError(`${error.message} (${help} shows the usage)`) : error;
}
