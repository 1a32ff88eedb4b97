/** One line of timeline.jsonl. `t` is the real time (ISO 8601) the record was made. */
export type TimelineRecord = RunRecord | StepRecord | ClockRecord | MembershipRecord | AlertRecord;

export type AlertClass =
  | 'certificate-expired'
  | 'not-yet-valid'
  | 'unknown-ca'
  | 'bad-certificate'
  | 'hostname-mismatch'
  | 'other';

export interface RunRecord {
  t: string;
  kind: 'run';
  event: 'start' | 'end';
  scenario: string;
  platform: string;
  runId: string;
}

export interface StepRecord {
  t: string;
  kind: 'step';
  /** Stable id expectations refer to, e.g. `jump-clocks`, `restart-node3`. */
  id: string;
  /** When the step began; `t` is when it was done (a restarted node is up again). */
  startedAt: string;
  title: string;
  nodes?: string[];
  /** For waits: whether the condition was met before the timeout. */
  outcome?: 'met' | 'timeout' | 'done' | 'failed';
  detail?: string;
}

export interface ClockRecord {
  t: string;
  kind: 'clock';
  node: string;
  spec: string;
  offsetSeconds: number;
}

export interface MembershipRecord {
  t: string;
  kind: 'membership';
  node: string;
  /** False when the node did not answer its probe (down, restarting). */
  up: boolean;
  /** The other nodes it is connected to, by node name. */
  sees: string[];
  /** The node's own idea of the current time (faked by libfaketime). */
  nodeTime?: string;
  certNotAfter?: string;
  caNotAfter?: string;
  error?: string;
}

export interface AlertRecord {
  t: string;
  kind: 'alert';
  node: string;
  class: AlertClass;
  /** The original log line. */
  text: string;
  /** Which end of the TLS connection this node was. */
  side?: 'server' | 'client';
  /** Received from the peer, or generated and sent by this node. */
  direction?: 'received' | 'generated';
  /** The node's time stamp on the log line. */
  nodeTime?: string;
}

/** A TLS alert found in a log line, before it is stamped and recorded. */
export type ClassifiedAlert = Omit<AlertRecord, 't' | 'kind' | 'node'>;

/** A probe's answer, before it is stamped and recorded. */
export type MembershipSample = Omit<MembershipRecord, 't' | 'kind' | 'node'>;
