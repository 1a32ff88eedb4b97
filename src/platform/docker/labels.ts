import { hostname } from 'node:os';

/** Every container and network certdrill makes carries these, so cleanup can find them by label alone. */
export const LABEL_APP = 'certdrill';
export const LABEL_RUN = 'certdrill.run';
export const LABEL_NODE = 'certdrill.node';
export const LABEL_PID = 'certdrill.pid';
export const LABEL_HOST = 'certdrill.host';

export function runLabels(runId: string): Record<string, string> {
  return {
    [LABEL_APP]: 'true',
    [LABEL_RUN]: runId,
    [LABEL_PID]: String(process.pid),
    [LABEL_HOST]: hostname(),
  };
}

/** True when the labels name a certdrill process on this host that no longer runs. */
export function ownerIsGone(labels: Record<string, string> | undefined): boolean {
  if (!labels || labels[LABEL_APP] !== 'true') return false;
  if (labels[LABEL_HOST] !== hostname()) return false;
  const pid = Number(labels[LABEL_PID]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
