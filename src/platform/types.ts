import type { ClockSpec } from '../clock/spec.js';

/** An image a workload runs, built from a folder of the project with a Dockerfile. */
export interface ImageSource {
  /** Repository part of the tag, e.g. `certdrill/erlang-app`. */
  repository: string;
  /** Absolute path of the build context. */
  context: string;
  buildArgs?: Record<string, string>;
}

export interface NodeFile {
  /** Absolute path in the node. */
  path: string;
  content: string;
  /** Unix mode; private keys are 0o600. */
  mode: number;
}

export interface NodeSpec {
  /** Unique within a run; also the node's host name, which its peers resolve. */
  name: string;
  image: ImageSource;
  env: Record<string, string>;
  files: NodeFile[];
  /** The node's clock when it starts (libfaketime). */
  clock: ClockSpec;
  /** Ports inside the node that certdrill reaches from outside (probes). */
  ports: number[];
  /** A log line that means the node is up; without it, the first port listening. */
  readyLog?: RegExp;
  /**
   * Folders that outlive the node, like a pod's persistent volume: a
   * restarted node gets the same ones back, with whatever was written there.
   */
  volumes?: { name: string; path: string }[];
  /**
   * A check that must succeed before the node starts (what a Kubernetes init
   * container runs); when it fails, the node does not start.
   */
  preflight?: string[];
}

/** What a restarted node gets that differs from its spec: files replaced, env added, a clock, the pre-flight check on or off. */
export interface NodeChanges {
  files?: NodeFile[];
  env?: Record<string, string>;
  clock?: ClockSpec;
  preflight?: string[] | false;
}

/** The spec a restarted node runs: the old one with the changes applied (the clock is the platform's to keep). */
export function applyChanges(spec: NodeSpec, changes: NodeChanges): NodeSpec {
  const byPath = new Map(spec.files.map((f) => [f.path, f]));
  for (const f of changes.files ?? []) byPath.set(f.path, f);
  const next: NodeSpec = { ...spec, files: [...byPath.values()], env: { ...spec.env, ...changes.env } };
  if (changes.preflight === false) delete next.preflight;
  else if (changes.preflight) next.preflight = changes.preflight;
  return next;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Endpoint {
  host: string;
  port: number;
}

export type LogListener = (node: string, line: string) => void;

/**
 * Where nodes run. A scenario written once runs unchanged on every platform:
 * anything it needs from the platform goes through here.
 */
export interface Platform {
  readonly name: string;
  /** Checks the platform can run here; throws EnvironmentError with what to do if not. */
  check(): Promise<void>;
  /** Builds (or reuses) the image; returns the reference nodes run. */
  prepareImage(image: ImageSource): Promise<string>;
  startNodes(specs: NodeSpec[]): Promise<void>;
  /**
   * Replaces the node with a fresh one from the same spec (a pod deleted and
   * recreated): same files, same clock as it is now, unless `changes` says otherwise.
   */
  restartNode(name: string, changes?: NodeChanges): Promise<void>;
  /** Moves a running node's clock without restarting it. Returns the offset applied, in seconds. */
  setClock(name: string, clock: ClockSpec): Promise<number>;
  /** Runs a command in a running node. */
  exec(name: string, command: string[]): Promise<ExecResult>;
  /** Where a node's port can be reached from this process. */
  endpoint(name: string, port: number): Promise<Endpoint>;
  /** Every log line of every node, across restarts. */
  onLog(listener: LogListener): void;
  /** Removes everything this platform made in this run. Safe to call more than once. */
  cleanup(): Promise<void>;
}

export { EnvironmentError } from '../util/errors.js';
