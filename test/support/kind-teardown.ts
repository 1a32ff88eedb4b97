import { createPlatform } from '../../src/platform/index.js';
import { kindUnavailable } from './kind-available.js';

/**
 * The kind tests share one cluster, created by the first run that needs it
 * (in a test worker) and left for the next. When they are all done, it is
 * deleted unless someone kept it on purpose (--keep-cluster, or made by hand).
 */
export default function setup(): () => Promise<void> {
  return async () => {
    if (kindUnavailable()) return;
    await (await createPlatform('kind', { runId: 'kind-tests', progress: (line) => console.log(line) })).sweepAbandoned?.();
  };
}
