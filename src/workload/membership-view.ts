import type { LatestSamples } from '../observe/probe.js';
import { isFullMesh, type TimelineQuery, type Window } from '../observe/query.js';
import type { StateRecord } from '../observe/records.js';

/**
 * The view of a node's own membership: whom it is connected to, by its own
 * account (Erlang's `nodes()`, the toy's peer list). Its samples list peers;
 * `ok` is the node being up.
 */
export const MEMBERSHIP_VIEW = 'membership';

/** A sample of the membership view: one that lists the node's peers. */
export type MembershipSample = StateRecord & { peers: string[] };

const isMembership = (r: StateRecord): r is MembershipSample => r.peers !== undefined;

/** The membership samples in the window, of one node or all; `ok` picks those up (or down). */
export function membershipSamples(q: TimelineQuery, filter: Window & { node?: string; ok?: boolean } = {}): MembershipSample[] {
  return q.states({ ...filter, view: MEMBERSHIP_VIEW }).filter(isMembership);
}

/** Each node's last membership sample at or before `t`. */
export function membershipAt(q: TimelineQuery, t: string, nodes: readonly string[]): Map<string, MembershipSample | undefined> {
  return new Map(nodes.map((node) => [node, membershipSamples(q, { node, before: t }).at(-1)]));
}

/**
 * What a scenario's conditions see of a cluster whose probes report
 * membership (whom each node is connected to), now: Erlang's, the toy's.
 */
export interface MembershipView {
  readonly nodes: readonly string[];
  /** The node's latest membership sample. */
  sample(node: string): MembershipSample | undefined;
  /** Every node up and connected to every other. */
  fullMesh(): boolean;
  /** The node is up, connected to nobody, and nobody lists it. */
  isAlone(node: string): boolean;
}

export function membershipView(latest: LatestSamples, nodes: readonly string[]): MembershipView {
  const sample = (node: string) => {
    const state = latest.state(node, MEMBERSHIP_VIEW);
    return state && isMembership(state) ? state : undefined;
  };
  return {
    nodes,
    sample,
    fullMesh: () => isFullMesh(new Map(nodes.map((n) => [n, sample(n)]))),
    isAlone: (node) => {
      const own = sample(node);
      return own?.ok === true && own.peers.length === 0 && nodes.every((n) => n === node || !sample(n)?.peers.includes(node));
    },
  };
}

/** A membership sample of a node that is up: whom it sees, its clock, and what else its workload reads. */
export function membershipUp(node: string, peers: string[], more: Pick<StateRecord, 'nodeTime' | 'attributes'> = {}): Omit<StateRecord, 't'> {
  return { kind: 'state', node, view: MEMBERSHIP_VIEW, ok: true, peers, ...more };
}

/** A membership sample of a node that is down (`error` says why), or whose probe got no answer by its deadline. */
export function membershipDown(node: string, error: string, noAnswer = false): Omit<StateRecord, 't'> {
  return { kind: 'state', node, view: MEMBERSHIP_VIEW, ok: false, peers: [], error, ...(noAnswer ? { noAnswer: true as const } : {}) };
}
