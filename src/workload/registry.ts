import { erlang } from './erlang/index.js';
import { etcd } from './etcd/index.js';
import { toy } from './toy/index.js';
import type { AnyWorkload } from './workload.js';

/** Every workload certdrill runs: `--prepare` builds their images, the suite page asks their incidents' questions. */
export const WORKLOADS: readonly AnyWorkload[] = [erlang, etcd, toy];

/** The Debian suite the workloads' images build on is a setting of every workload at once. */
export { debianSuiteProblem } from './debian-suite.js';
