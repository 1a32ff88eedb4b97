import { type ClockMover, underClockShim } from '../clock/shim.js';
import type { ClockSpec } from '../clock/spec.js';

/** An image a workload runs, built from a folder of the project with a Dockerfile. */
export interface ImageSource {
  /** Repository part of the tag, e.g. `certdrill/erlang-app`. */
  repository: string;
  /** Absolute path of the build context. */
  context: string;
  buildArgs?: Record<string, string>;
  /**
   * Folders of the project the build also gets, by their name in the context
   * (certdrill-clock's source, which every image compiles), so that one
   * source serves every image without a copy in each folder.
   */
  include?: Record<string, string>;
  /**
   * Makes folders the build also gets (as `include` does) from what is built
   * on the host first: Go programs whose build cache lives there. Called
   * before the image's tag is computed, so the tag follows what it made.
   */
  prebuild?: (progress: (line: string) => void) => Promise<Record<string, string>>;
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
  /** The node's clock when it starts. */
  clock: ClockSpec;
  /**
   * What moves the node's clock: libfaketime (the default; libc programs and
   * the BEAM) or certdrill-clock (every program, Go's included). Under
   * certdrill-clock the node's entrypoint and every command run in it go
   * through the shim.
   */
  clockBy?: ClockMover;
  /** Ports inside the node that certdrill reaches from outside (probes). */
  ports: number[];
  /** A log line that means the node is up; without it, the first port listening. */
  readyLog?: RegExp;
  /**
   * Folders that outlive the node, like a pod's persistent volume: a
   * restarted node gets the same ones back, with whatever was written there.
   */
  volumes?: NodeVolume[];
  /**
   * A check that must succeed before the node starts (what a Kubernetes init
   * container runs); when it fails, the node does not start.
   */
  preflight?: string[];
  /**
   * Certificates the node asks an issuer in the cluster for each time it
   * starts (what erlclu's init container did), instead of files it is given.
   */
  requests?: RequestedCertificate;
}

/**
 * A CA issuer in the cluster: cert-manager's CA Issuer on a Secret holding
 * the CA's certificate and key, as an operator makes it by hand.
 */
export interface IssuerSpec {
  /** The Issuer's name, e.g. `erlclu-issuer`. */
  name: string;
  /** The Secret with the CA key pair, e.g. `erlclu-ca-key-pair`. */
  secretName: string;
  caCertPem: string;
  caKeyPem: string;
}

/**
 * A node's key and certificate requested at each start: a new key and CSR
 * (P-256; CN and DNS names as given; server and client auth), a
 * CertificateRequest to `issuer` with no duration, its answer written to
 * `dir` (the issuer's CA, the certificate, the key that never left the node).
 */
export interface RequestedCertificate {
  issuer: string;
  dir: string;
  files: { ca: string; cert: string; key: string };
  commonName: string;
  dnsNames: string[];
  /**
   * PEM of the CAs the node trusts, from a bundle its pod mounts (what
   * trust-manager would keep, or a ConfigMap by hand): written as the CA
   * file instead of the CA the issuer answers with. How a CA is rolled.
   */
  trust?: string;
}

/** The Issuer's Ready condition, as its controller set it. */
export interface IssuerCondition {
  status: string;
  reason?: string;
  message?: string;
}

/**
 * A platform with an API server and cert-manager in it (Kubernetes): it makes
 * Issuers and tells of each CertificateRequest its nodes made, once the pod
 * that made it has started (or failed to).
 */
export interface CertificateIssuing {
  /** Makes or updates the Issuer and its CA's Secret (cert-manager installed first) and waits for its Ready condition. */
  applyIssuer(issuer: IssuerSpec): Promise<IssuerCondition>;
  onRequest(listener: (request: CertificateRequestSeen) => void): void;
}

/**
 * A folder that outlives the node. `shared`: one folder for every node of the
 * run that names it (what etcd-manager's file discovery and backup store need
 * on one host's disk, or on a shared file system), not one per node.
 */
export interface NodeVolume {
  name: string;
  path: string;
  shared?: boolean;
}

/** A command as it must run in the node to see the node's clock: through certdrill-clock when that moves it. */
export function onNodeClock(spec: NodeSpec, command: string[]): string[] {
  return spec.clockBy === 'certdrill-clock' ? underClockShim(command) : command;
}

/** What a restarted node gets that differs from its spec: files replaced, env added, a clock, the pre-flight check on or off, its request. */
export interface NodeChanges {
  files?: NodeFile[];
  requests?: RequestedCertificate;
  env?: Record<string, string>;
  clock?: ClockSpec;
  preflight?: string[] | false;
}

/** The spec a restarted node runs: the old one with the changes applied (the clock is the platform's to keep). */
export function applyChanges(spec: NodeSpec, changes: NodeChanges): NodeSpec {
  const byPath = new Map(spec.files.map((f) => [f.path, f]));
  for (const f of changes.files ?? []) byPath.set(f.path, f);
  const next: NodeSpec = { ...spec, files: [...byPath.values()], env: { ...spec.env, ...changes.env } };
  if (changes.requests) next.requests = changes.requests;
  if (changes.preflight === false) delete next.preflight;
  else if (changes.preflight) next.preflight = changes.preflight;
  return next;
}

/**
 * A certificate a node asked an issuer in the cluster for when its pod
 * started (a cert-manager CertificateRequest its init container made), as
 * the API server held it once the pod ran or gave up.
 */
export interface CertificateRequestSeen {
  node: string;
  /** The request's name, and the pod that made it. */
  name: string;
  pod: string;
  issuer: string;
  created: string;
  /** When the approver approved it, or denied it (see `state`). */
  approved?: string;
  /** When it was issued, or failed. */
  ready?: string;
  /** Its Ready condition's reason: Issued, Pending, Failed, Denied; or what else the request showed. */
  state: string;
  message?: string;
  /** The certificate issued: its window, serial, subject, and who signed it. */
  notBefore?: string;
  notAfter?: string;
  serial?: string;
  subject?: string;
  signedBy?: string;
  /** The CA the answer came with (`status.ca`): its subject and NotAfter. */
  signingCa?: string;
  signingCaNotAfter?: string;
  /** The Issuer's Ready condition when the request was read, e.g. `True (KeyPairVerified: Signing CA verified)`. */
  issuerReady?: string;
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
  /** The node's clock minus real time, in seconds, as certdrill last set it. */
  clockOffset(name: string): number;
  /** Runs a command in a running node. */
  exec(name: string, command: string[]): Promise<ExecResult>;
  /** Where a node's port can be reached from this process. */
  endpoint(name: string, port: number): Promise<Endpoint>;
  /** Every log line of every node, across restarts. */
  onLog(listener: LogListener): void;
  /** Issuers in the cluster for nodes that request their certificates at start; absent where there is no API server. */
  readonly issuing?: CertificateIssuing;
  /** Removes everything this platform made in this run. Safe to call more than once. */
  cleanup(): Promise<void>;
}

/** kubernetes: which cluster, and what of it a run uses. */
export interface ClusterOptions {
  /** The kubeconfig's context; its current one when omitted. */
  context?: string;
  /** Run in a context whose name looks like production. */
  yesThisCluster?: boolean;
  /** Where certdrill's images are pushed and the cluster's nodes pull them. */
  imageRegistry?: string;
  /** The StorageClass of persistent folders; the cluster's default when omitted. */
  storageClass?: string;
}

export { EnvironmentError } from '../util/errors.js';
