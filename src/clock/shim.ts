import { fileURLToPath } from 'node:url';
import { CLOCK_FILE, faketimeEnv } from './faketime.js';

/**
 * certdrill-clock (./shim/certdrill-clock.c): a supervisor that runs a
 * program with the node's clock the way libfaketime cannot reach it, Go's
 * vDSO reads included. It reads the same clock file as libfaketime, so
 * setting a node's clock is the same file write for both.
 */

/** How a node's clock is moved: libfaketime (libc and the BEAM) or certdrill-clock (any program, Go too). */
export type ClockMover = 'libfaketime' | 'certdrill-clock';
export const CLOCK_MOVERS: readonly ClockMover[] = ['libfaketime', 'certdrill-clock'];

/** Where certdrill images install certdrill-clock, built from source in their Dockerfile. */
export const CLOCK_SHIM_IN_IMAGE = '/usr/local/lib/certdrill/certdrill-clock';

/** The folder of the shim's C source, which every image build gets as `clock-shim/` in its context. */
export const CLOCK_SHIM_SOURCE = fileURLToPath(new URL('./shim', import.meta.url));
export const CLOCK_SHIM_CONTEXT_DIR = 'clock-shim';

/** A command run under certdrill-clock with the node's clock file. */
export function underClockShim(command: string[], clockFile: string = CLOCK_FILE): string[] {
  return [CLOCK_SHIM_IN_IMAGE, '-f', clockFile, '--', ...command];
}

/**
 * The environment a node's processes get for its clock. certdrill-clock needs
 * only its name, and must not get libfaketime too: libfaketime would add the offset to
 * a time that already has it.
 */
export function clockEnv(mover: ClockMover, clockFile: string = CLOCK_FILE): Record<string, string> {
  return { [CLOCK_BY_ENV]: mover, ...(mover === 'libfaketime' ? faketimeEnv(clockFile) : {}) };
}

/** Names what moves a node's clock, for whatever in the node reads the clock and must say how. */
export const CLOCK_BY_ENV = 'CERTDRILL_CLOCK_BY';

/** What an ImageSource includes so that its Dockerfile can build certdrill-clock. */
export const CLOCK_SHIM_INCLUDE: Record<string, string> = { [CLOCK_SHIM_CONTEXT_DIR]: CLOCK_SHIM_SOURCE };

/**
 * A line certdrill-clock itself wrote to the node's log (it says so only when
 * something is wrong: a clock file it cannot read, a time it could not
 * deliver), as a timeline record, so that no report hides it.
 */
export function clockShimLogLine(line: string): { kind: 'log'; topic: 'certdrill-clock'; text: string } | null {
  return line.startsWith('certdrill-clock: ') ? { kind: 'log', topic: 'certdrill-clock', text: line.trim() } : null;
}
