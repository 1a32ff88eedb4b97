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
