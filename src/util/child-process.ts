import { AsyncLocalStorage } from 'node:async_hooks';
import { execa, type Options, type ResultPromise } from 'execa';

/** How long a child ended with SIGTERM gets before SIGKILL. */
const TERM_GRACE_MS = 2_000;

const endOnAbort = new AsyncLocalStorage<AbortSignal>();
/** Process groups of the children still running: ended when certdrill exits, since they do not share its fate. */
const running = new Set<number>();

/**
 * Runs `work` so that every child it starts with `runChild` is ended when
 * `signal` aborts: a scenario's set-up forges certificates with openssl
 * without being handed a signal.
 */
export function endingChildrenOnAbort<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return endOnAbort.run(signal, work);
}

/**
 * execa, with the child in a process group of its own. A terminal's Ctrl-C
 * goes to its whole foreground group: openssl, docker or kind would die of it
 * before certdrill has decided what to stop (and a kind or docker command
 * under way may be part of the clean-up itself). certdrill ends the child
 * itself, its whole group, when `signal` (or the one of an enclosing
 * `endingChildrenOnAbort`) aborts, and when certdrill exits.
 */
export function runChild<O extends Options>(
  file: string,
  args: readonly string[],
  options: O & { signal?: AbortSignal } = {} as O,
): ResultPromise<O> {
  const { signal = endOnAbort.getStore(), ...execaOptions } = options;
  const child = execa(file, args, { ...execaOptions, detached: true } as O) as unknown as ResultPromise<O>;
  const group = child.pid;
  if (group === undefined) return child; // failed to spawn (ENOENT): execa rejects with the reason
  running.add(group);
  const end = () => endGroup(group);
  signal?.addEventListener('abort', end, { once: true });
  if (signal?.aborted) end();
  const settled = () => {
    running.delete(group);
    signal?.removeEventListener('abort', end);
  };
  child.then(settled, settled);
  return child;
}

function endGroup(group: number): void {
  signalGroup(group, 'SIGTERM');
  setTimeout(() => {
    if (running.has(group)) signalGroup(group, 'SIGKILL');
  }, TERM_GRACE_MS).unref();
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
}

process.on('exit', () => {
  for (const group of running) signalGroup(group, 'SIGTERM');
});
