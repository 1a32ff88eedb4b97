/**
 * `promise`, or a rejection with `message` once `ms` have passed, whichever
 * comes first; the timer never outlives it. What it waited for is not
 * stopped: the caller gives up on it.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks `probe` every `intervalMs` (default 1 s) until it gives a value, and
 * returns it; a probe that throws counts as no value yet. After `timeoutMs`,
 * rejects naming what it waited for (`what`, or what `what()` says then:
 * the state that explains why).
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; what: string | (() => Promise<string>); intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const what = typeof options.what === 'string' ? options.what : await options.what();
      throw new Error(`waited ${options.timeoutMs / 1000} s for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1000));
  }
}
