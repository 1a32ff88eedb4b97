import type { LogFinding, ProbeRecord } from '../observe/records.js';
import type { Endpoint, ExecResult, ImageSource } from '../platform/types.js';

/** What a probe may use of a node, through the platform. */
export interface NodeAccess {
  endpoint(port: number): Promise<Endpoint>;
  exec(command: string[]): Promise<ExecResult>;
}

/** One way of looking at a node, sampled on its own loop. */
export interface Probe {
  name: string;
  /** Probes one node; a node that does not answer yields a record saying so, never a throw. */
  sample(node: string, access: NodeAccess): Promise<ProbeRecord[]>;
  /**
   * How many samples of one node may run at once (default 1). A cheap probe
   * whose answer can take its whole deadline may overlap, so that a node that
   * never answers is still sampled about every interval.
   */
  maxInFlight?: number;
}

/** What runs on the nodes: how to probe it and how to read its logs. Never decides pass or fail. */
export interface Workload {
  readonly name: string;
  readonly probes: readonly Probe[];
  /** A TLS failure or another notable event in one log line, or null. */
  classifyLogLine(line: string): LogFinding | null;
  /** What the node runs, by component (OTP, etcd, libfaketime), as the node itself reports it. */
  versions(access: NodeAccess): Promise<Record<string, string>>;
}

/** Versions from `dpkg-query` lines ("package version") and any `name: version` lines. */
export function parseVersionLines(text: string): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([\w.+-]+):?\s+(\S+)/.exec(line.trim());
    if (match) versions[match[1]!] = match[2]!;
  }
  return versions;
}

export interface WorkloadImage {
  workload: string;
  image: ImageSource;
}
