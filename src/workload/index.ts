import { erlangWorkload } from './erlang/erlang-workload.js';
import type { Workload } from './types.js';

/** Every workload certdrill can run; their images are what `--prepare` builds. */
export const WORKLOADS: readonly Workload[] = [erlangWorkload];
