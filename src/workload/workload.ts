/* eslint-disable @typescript-eslint/no-explicit-any -- the generic plumbing between workloads and scenarios: each `any` below says why */
import type { ClockSpec } from '../clock/spec.js';
import type { LatestSamples, NodeAccess, Probe } from '../observe/probe.js';
import type { StepHandle } from '../observe/query.js';
import type { CertificateRecord, LogFinding, StepRecord } from '../observe/records.js';
import type { Forged } from '../pki/certificate.js';
import type { CertificateInfo } from '../pki/inspect.js';
import type { ExecResult, ImageSource, IssuerCondition, IssuerSpec, NodeFile, NodeSpec, RequestedCertificate } from '../platform/types.js';
import { CLOCK_BY_ENV } from '../clock/shim.js';

/**
 * What the harness needs to know about one clustered system it runs: the
 * interface every workload folder (src/workload/<name>/) implements, and all
 * that the scenario, observe, report, run and cli layers see of a workload.
 */
// `any`: a deployment's restart options are its own; RestartOf reads them back from `D`.
export interface Workload<Setup, View, Operations extends object, D extends Deployment<any>> {
  readonly name: string;
  /** The image its nodes run, built from a folder of the project. */
  readonly image: ImageSource;
  /** Other images its nodes may run (etcd: a kops master per etcd-manager version), by a name for `--prepare` to print. */
  readonly moreImages?: readonly { name: string; image: ImageSource }[];
  /** The questions of the incident it replays, in the operators' words, and the scenarios that answer them. */
  readonly questions: readonly IncidentQuestion[];
  /**
   * What it runs when its image is built on each Debian suite (e.g. bookworm:
   * `OTP 25`, trixie: `OTP 27`): the version matrix's cells. A workload
   * without it is left out of `npm run matrix`.
   */
  readonly versionsBySuite?: Readonly<Record<string, string>>;
  /**
   * Other versions its scenarios may run against, apart from the suite's
   * (etcd: the etcd-manager version): each one more axis of `npm run matrix`,
   * for the scenarios that name it in their `axes`.
   */
  readonly axes?: readonly MatrixAxis[];
  /** A folder of scenarios that come with the workload (its own folder's `scenarios/`), loaded beside the project's. */
  readonly scenarioDir?: string;
  /**
   * The module (a URL, as `import()` takes it) whose `rehearsal(shape)` turns a
   * real cluster's chain into a scenario on this workload, for `certdrill
   * rehearse --workload <name>`. It is named, not imported: the rehearsal is a
   * scenario, built on the workload, and loaded only when rehearsed.
   */
  readonly rehearsal?: string;
  /**
   * What its state records' attributes mean, in the order reports show them
   * (etcd: `leader`, `raftTerm` as "term"). An attribute it does not
   * describe stays in the timeline for checks, unshown.
   */
  readonly attributes?: AttributeDescriptions;
  /** A TLS failure or another notable event in one of its log lines, or null. */
  classifyLogLine(line: string): LogFinding | null;
  /** What a node runs, by component (OTP, etcd, libfaketime), as the node itself reports it. */
  versions(access: NodeAccess): Promise<Record<string, string>>;
  /**
   * The node's own clock, read now, and how it was read: what a clock jump
   * is measured by. Undefined when the node cannot say.
   */
  readClock(access: NodeAccess): Promise<{ time: Date; by: string } | undefined>;
  /** A scenario's set-up turned into what the platform runs and what the report shows. */
  deploy(setup: Setup): D;
  /** What a scenario's conditions see of the cluster now, from the latest samples. */
  view(latest: LatestSamples, nodes: readonly string[]): View;
  /** What a scenario can do to this workload beyond what every workload allows (etcd: restart etcd-manager). */
  operations(host: OperationHost, deployment: D): Operations;
}

/** Any workload, for the code that handles each the same way. */
export type AnyWorkload = Workload<any, any, any, any>;
export type SetupOf<W> = W extends Workload<infer S, any, any, any> ? S : never;
export type RestartOf<W> = W extends Workload<any, any, any, infer D> ? (D extends Deployment<infer R> ? R : never) : never;
export type ViewOf<W> = W extends Workload<any, infer V, any, any> ? V : never;
export type OperationsOf<W> = W extends Workload<any, any, infer O, any> ? O : never;

/** Checks a workload against the interface and keeps its own types, for scenarios to see. */
export function defineWorkload<Setup, View, Operations extends object, D extends Deployment<any>>(
  workload: Workload<Setup, View, Operations, D>,
): Workload<Setup, View, Operations, D> {
  return workload;
}

/** How findings, charts and progress show one attribute of a workload's state records. */
export interface AttributeDescription {
  /** Its name in a report, e.g. `term` for etcd's `raftTerm`. */
  readonly label: string;
  /**
   * A change of it is a change of the node's state (etcd: the leader a
   * member names): progress says so, and a wait for a settled cluster counts
   * its samples again from there.
   */
  readonly state?: boolean;
}

export type AttributeDescriptions = Readonly<Record<string, AttributeDescription>>;

/**
 * One axis of the version matrix beyond the Debian suite: a scenario that
 * follows it reads its value from `env` when it loads, `values[0]` when unset.
 */
export interface MatrixAxis {
  /** As it appears in a cell's name, e.g. `etcd-manager`. */
  readonly name: string;
  /** The environment variable that picks the value, e.g. CERTDRILL_ETCD_MANAGER_VERSION. */
  readonly env: string;
  /** Its values; the first is the default, run in the suite's own cell. */
  readonly values: readonly string[];
}

/** The axis's value in `env`: its default when unset; throws one line for a value it does not have. */
export function axisValue(axis: MatrixAxis, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[axis.env];
  if (value === undefined || value === '') return axis.values[0]!;
  if (!axis.values.includes(value)) throw new Error(axisProblem(axis, value));
  return value;
}

/** What is wrong with the axis's variable in `env`, for a one-line error before anything runs; undefined when fine. */
export function axisProblem(axis: MatrixAxis, value = process.env[axis.env]): string | undefined {
  if (value === undefined || value === '' || axis.values.includes(value)) return undefined;
  return `${axis.env}=${value} is not a version certdrill runs: use ${axis.values.join(', ')}, or unset it (${axis.values[0]})`;
}

export interface IncidentQuestion {
  /** The incident, as a heading: e.g. "kops etcd (etcd-manager)". */
  incident: string;
  question: string;
  /** The scenarios whose runs answer it. */
  scenarios: string[];
}

/** A certificate of the set-up as the report lists it. */
export interface CertificateSummary {
  name: string;
  /** Who holds or trusts it, e.g. "CA trusted by node1, node2, node3". */
  role: string;
  madeBy: string;
  info: CertificateInfo;
}

export type IssuedCertificate = Omit<CertificateRecord, 't' | 'kind'>;

/** A node restart's changes: files to replace and the certificates issued for it. */
export interface RestartPlan {
  files?: NodeFile[];
  /** A new request for the node's certificate (another trust bundle). */
  requests?: RequestedCertificate;
  env?: Record<string, string>;
  preflight?: string[] | false;
  issued: IssuedCertificate[];
  /** What changed, for the step's title. */
  summary?: string;
}

/** One run's cluster of a workload: its nodes, how they are probed, and what a restart changes. */
export interface Deployment<Restart extends object> {
  readonly nodes: readonly string[];
  readonly probes: readonly Probe[];
  /** Node specs for the start; a certificate manager may issue certificates here. */
  start(now: Date): { specs: NodeSpec[]; issued: IssuedCertificate[] };
  certificates(): CertificateSummary[];
  clocks(): { node: string; spec: ClockSpec }[];
  /** Every certificate with its key made for the set-up, named for the run's pki folder. */
  forged(): Forged[];
  /** What changes when a node restarts (a pod recreated), given what the scenario changes. */
  onRestart(node: string, now: Date, changes: Restart): RestartPlan;
  /**
   * Issuers the nodes request their certificates from at each start (a
   * cluster issued by cert-manager): made before the nodes start, on a
   * platform that has them (`Platform.issuing`).
   */
  issuers?(): IssuerSpec[];
}

/** What a workload's own operations may do through the run: restart nodes with a plan, and record the step. */
export interface OperationHost {
  applyRestart(node: string, plan: RestartPlan): Promise<void>;
  /** The node's clock now, as certdrill set it: what a manager running beside the node issues certificates by. */
  clockOf(node: string): Date;
  /** Runs a command in the node, under its clock. */
  exec(node: string, command: string[]): Promise<ExecResult>;
  /** Records a step; its handle (the id it got: unique in the run) is what the operation returns. */
  step(step: Omit<StepRecord, 't' | 'kind'>): StepHandle;
  /** Makes or updates an Issuer in the cluster (the platform's `issuing`); its Ready condition then. */
  applyIssuer(issuer: IssuerSpec): Promise<IssuerCondition>;
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

/** A node's clock as `date` prints it under what moves the node's clock: what any libc program there sees. */
export async function readLibcClock(access: NodeAccess): Promise<{ time: Date; by: string } | undefined> {
  const result = await access.exec(['sh', '-c', `date -u +%s.%N; echo "\${${CLOCK_BY_ENV}:-libfaketime}"`]);
  const [time, mover] = result.stdout.trim().split('\n');
  const seconds = Number(time);
  const by = mover === 'certdrill-clock' ? '`date` under certdrill-clock' : '`date` under its libfaketime';
  return Number.isFinite(seconds) && seconds > 0 ? { time: new Date(seconds * 1000), by } : undefined;
}

/** The probe's own deadline passed: no answer, which is not the same as a refusal. */
export function isTimeout(error: unknown): boolean {
  return (error as Error)?.name === 'TimeoutError';
}

/** An error as one line a sample can carry. */
export function shortError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return "no answer within the probe's deadline";
  const cause = err.cause?.code ?? err.cause?.message;
  return `${err.message}${cause ? ` (${cause})` : ''}`.split('\n')[0]!;
}

/** `a`, `a and b`, `a, b and c`. */
export function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
