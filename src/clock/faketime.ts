import { posix } from 'node:path';

/**
 * libfaketime wiring. Every process started with these variables reads its
 * offset from the clock file on each time call, so rewriting the file moves
 * the clock of a running process without a restart.
 */

/** Where certdrill images link libfaketime, whatever the architecture's lib dir. */
export const LIBFAKETIME_IN_IMAGE = '/usr/local/lib/certdrill/libfaketime.so.1';

/** Debian's libfaketime on an amd64 host. */
export const LIBFAKETIME_ON_DEBIAN = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** Where distributions put libfaketime on a host (Debian's multiarch folders first). */
export const LIBFAKETIME_ON_HOSTS = [
  LIBFAKETIME_ON_DEBIAN,
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/lib64/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

/** The folder in each node that holds its clock file. */
export const CLOCK_DIR = '/certdrill/clock';
export const CLOCK_FILE = `${CLOCK_DIR}/faketime.rc`;

export function faketimeEnv(clockFile: string = CLOCK_FILE, library: string = LIBFAKETIME_IN_IMAGE): Record<string, string> {
  return {
    LD_PRELOAD: library,
    FAKETIME_TIMESTAMP_FILE: clockFile,
    // Re-read the file on every call: a jump takes effect at once.
    FAKETIME_NO_CACHE: '1',
    // The BEAM aborts with "OS monotonic time stepped backwards" if monotonic time is faked.
    DONT_FAKE_MONOTONIC: '1',
  };
}

/** The clock file's content for an offset: libfaketime's relative form in seconds. */
export function clockFileContent(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  return `${sign}${Math.abs(Math.round(offsetSeconds))}\n`;
}

/**
 * The command (argv, for `sh`) that moves a running node's clock: it writes
 * the clock file's content beside the file and renames it over, so
 * libfaketime never reads a half-written file. What runs it (a container's
 * exec, a pod's) is the platform's business.
 */
export function writeClockFileCommand(offsetSeconds: number, clockFile: string = CLOCK_FILE): string[] {
  const tmp = posix.join(posix.dirname(clockFile), `.${posix.basename(clockFile)}.tmp`);
  return ['sh', '-c', 'printf \'%s\' "$1" > "$2" && mv "$2" "$3"', 'sh', clockFileContent(offsetSeconds), tmp, clockFile];
}
