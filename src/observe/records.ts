import type { CertificateRequestSeen } from '../platform/types.js';
/** One line of timeline.jsonl. `t` is the real time (ISO 8601) the record was made. */
export type TimelineRecord =
  | RunRecord
  | StepRecord
  | ClockRecord
  | CertificateRecord
  | CertificateRequestRecord
  | StateRecord
  | MetricsRecord
  | AlertRecord
  | LogRecord
  | VersionsRecord;

export type AlertClass = 'certificate-expired' | 'not-yet-valid' | 'unknown-ca' | 'bad-certificate' | 'hostname-mismatch' | 'other';

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
  /** The offset from real time certdrill asked for. */
  offsetSeconds: number;
  /**
   * The offset the node then showed: its own clock read back after the jump,
   * minus real time. Absent when the node could not be read.
   */
  shownOffsetSeconds?: number;
  /** How the clock was read back, e.g. the node's own status page or `date` under its libfaketime. */
  shownBy?: string;
}

/** A certificate put on a node during the run (a certificate manager renewing it, say). */
export interface CertificateRecord {
  t: string;
  kind: 'certificate';
  node: string;
  name: string;
  /** Where it went, e.g. `peers/me.crt`. */
  role: string;
  madeBy: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 fingerprint, where the certificate was read from a node rather than forged by certdrill. */
  fingerprint?: string;
  issuer?: string;
  /**
   * Where it was seen, when read from a node: `held` (a file the node keeps)
   * or `served` (what one of its ports presents). Absent: put there by certdrill.
   */
  source?: 'held' | 'served';
  /** When the read that found it was sent, for one read from a node; `t` is when its answer came. */
  sentAt?: string;
  /**
   * Recorded again, the same certificate as the last record of that place: a
   * probe that records changes also says what each node holds and serves
   * after every step, so that a window can tell "unchanged" from "never read".
   */
  unchanged?: true;
}

/** A CertificateRequest a node's pod made (see CertificateRequestSeen), in the timeline. */
export interface CertificateRequestRecord extends CertificateRequestSeen {
  t: string;
  kind: 'certificateRequest';
}

/**
 * What one probe of one node showed, in one view: the same record for every
 * workload. A view is whose eyes the node is seen through: the node's own
 * (`membership`: whom it is connected to) or a client's (etcd's `etcdctl`,
 * `apiserver`); the workload names its views. What else the workload knows
 * of the node there (etcd's leader and raft term, an Erlang node's
 * certificate dates) goes in `attributes`, which the workload describes
 * (`Workload.attributes`).
 */
export interface StateRecord {
  t: string;
  /** When the probe was sent; `t` is when its answer (or its deadline) came. The sample shows some moment between the two. */
  sentAt?: string;
  kind: 'state';
  node: string;
  view: string;
  /** The view as a report names it, e.g. `API server view`. */
  viewLabel?: string;
  /**
   * Up (a view of the node's own) or Healthy (a client's view), as the view
   * judges it; false also when the node did not answer, refused the
   * connection or failed TLS.
   */
  ok: boolean;
  /**
   * The probe's deadline passed with no answer (then `ok` is false): the node
   * may be hung or the host too busy to answer in time; the harness cannot
   * tell which. Checks never count such a sample against the node.
   */
  noAnswer?: true;
  /** The other nodes it is connected to, by node name, for a view that tells. */
  peers?: string[];
  /** The node's own idea of the current time (faked by libfaketime), where the view reads it. */
  nodeTime?: string;
  error?: string;
  /** What else the workload reads of the node in this view, by the workload's own names. */
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export type AttributeValue = string | number | boolean | readonly string[];

/** A node's Prometheus metrics at one moment, by series (`name{label="v"}`). */
export interface MetricsRecord {
  t: string;
  /** When the probe was sent; `t` is when its answer (or its deadline) came. The sample shows some moment between the two. */
  sentAt?: string;
  kind: 'metrics';
  node: string;
  values: Record<string, number>;
  nodeTime?: string;
}

/** What the run ran on: the workload's and the platform's versions, as the nodes report them. */
export interface VersionsRecord {
  t: string;
  kind: 'versions';
  versions: Record<string, string>;
}

/** A log line worth keeping that is not a TLS failure: a leader elected, a peer lost. */
export interface LogRecord {
  t: string;
  kind: 'log';
  node: string;
  text: string;
  /** What the line is about, e.g. `leader`, `peer`, `ready`. */
  topic: string;
  nodeTime?: string;
  /** More lines just like this one folded into this record, as for alerts. */
  repeats?: number;
  /** A program's exit (topic `exit`): the line its node logged just before, usually that program's reason. */
  lastWords?: string;
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
  /**
   * Which of the node's connections the line is about, as its workload names
   * them (etcd: `peer`, `client`, `remote`, `manager`; see its logs module);
   * absent where the line does not tell.
   */
  channel?: string;
  /**
   * More lines just like this one (the same node, class, connection and
   * words) folded into this record: it stands for 1 + repeats lines, logged
   * in the second before it. See `linesOf`.
   */
  repeats?: number;
}

/** How many log lines an alert or log record stands for. */
export function linesOf(line: Pick<AlertRecord | LogRecord, 'repeats'>): number {
  return 1 + (line.repeats ?? 0);
}

/** A TLS alert found in a log line, before it is stamped and recorded. */
export type ClassifiedAlert = Omit<AlertRecord, 't' | 'kind' | 'node'>;

/** What a workload finds in one log line: a TLS failure, or another line worth keeping. */
export type LogFinding = ({ kind: 'alert' } & ClassifiedAlert) | Omit<LogRecord, 't' | 'node'>;

/** What one probe of one node yields, before it is stamped. */
export type ProbeRecord = Omit<StateRecord, 't'> | Omit<MetricsRecord, 't'> | Omit<CertificateRecord, 't'>;

/** A probe's answer in one view, before it is stamped and recorded. */
export type StateSample = Omit<StateRecord, 't' | 'kind' | 'node'>;
