import type { ClassifiedAlert, MembershipSample } from '../observe/records.js';
import type { Endpoint, ImageSource } from '../platform/types.js';

/** What runs on the nodes: how to probe it and how to read its logs. Never decides pass or fail. */
export interface Workload {
  readonly name: string;
  readonly image: ImageSource;
  /** The container port the probe talks to. */
  readonly probePort: number;
  probe(endpoint: Endpoint, timeoutMs: number): Promise<MembershipSample>;
  /** A TLS alert or certificate failure in one log line, or null for any other line. */
  classifyLogLine(line: string): ClassifiedAlert | null;
}
