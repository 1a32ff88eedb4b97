import type { ImageSource } from '../platform/types.js';
import { ERLANG_IMAGE } from './erlang/erlang-workload.js';
import { ETCD_IMAGE } from './etcd/etcd-workload.js';

/** The image of every workload certdrill runs; `--prepare` builds them all. */
export const WORKLOAD_IMAGES: readonly { workload: string; image: ImageSource }[] = [
  { workload: 'erlang', image: ERLANG_IMAGE },
  { workload: 'etcd', image: ETCD_IMAGE },
];
