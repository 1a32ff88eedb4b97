import type { LatestSamples } from '../../observe/probe.js';
import type { StateRecord } from '../../observe/records.js';
import type { AttributeDescriptions } from '../workload.js';
import type { EtcdView } from './member.js';

/**
 * What etcdctl's view reads of a member besides its health: the leader it
 * names and the raft term (shown, the leader's change counting as a change
 * of state), and the member list (kept for checks).
 */
export const ETCD_ATTRIBUTES: AttributeDescriptions = { leader: { label: 'leader', state: true }, raftTerm: { label: 'term' } };

/** The leader a member names in a sample (etcdctl's view), if any. */
export function leaderOf(sample: Pick<StateRecord, 'attributes'>): string | undefined {
  const value = sample.attributes?.leader;
  return typeof value === 'string' ? value : undefined;
}

/** What a scenario's conditions see of etcd clusters: each member's health in each view, now. */
export interface EtcdClusterView {
  readonly nodes: readonly string[];
  /** The latest health sample of a member, by default in the API server's view. */
  health(node: string, view?: EtcdView): StateRecord | undefined;
  /** Every member (or those named) Healthy in that view, by default the API server's. */
  allHealthy(nodes?: readonly string[], view?: EtcdView): boolean;
}

export function etcdView(latest: LatestSamples, nodes: readonly string[]): EtcdClusterView {
  const health = (node: string, view: EtcdView = 'apiserver') => latest.state(node, view);
  return {
    nodes,
    health,
    allHealthy: (some = nodes, view = 'apiserver') => some.every((n) => health(n, view)?.ok === true),
  };
}

/**
 * An Unhealthy answer that says a raft election ended while the request ran
 * ("etcdserver: leader changed", as etcd returns it to kube-apiserver's get
 * cs): the cluster had a leader before and after. Measured on 2 loaded cores,
 * three masters hold an election now and then, at no step in particular; a
 * check of certificates sets these answers aside (`aside` of the health
 * checks). A cluster without a leader answers otherwise ("no leader", a
 * deadline), which counts.
 */
export const RAFT_ELECTION = { errors: ['etcdserver: leader changed'], why: 'a raft election' } as const;
