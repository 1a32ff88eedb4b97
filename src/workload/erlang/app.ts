import { fileURLToPath } from 'node:url';
import type { ClockSpec } from '../../clock/spec.js';
import type { NodeAccess, Probe } from '../../observe/probe.js';
import type { ProbeRecord, StateRecord } from '../../observe/records.js';
import { CERT_MODE, KEY_MODE } from '../../pki/files.js';
import type { Endpoint, ImageSource, NodeFile, NodeSpec, RequestedCertificate } from '../../platform/types.js';
import { suiteBuildArgs } from '../debian-suite.js';
import { membershipDown, membershipUp } from '../membership-view.js';
import { isTimeout, parseVersionLines, shortError } from '../workload.js';
import { CLOCK_SHIM_INCLUDE, type ClockMover } from '../../clock/shim.js';

const HTTP_PORT = 8080;
const CERT_DIR = '/certdrill/certs';
const NODE_PREFIX = 'certdrill@';
// Long enough that a node answering on a busy 2-core host still answers; past it the sample says `noAnswer`.
const PROBE_TIMEOUT_MS = 3000;

export const ERLANG_IMAGE: ImageSource = {
  repository: 'certdrill/erlang-app',
  context: fileURLToPath(new URL('../../../erlang-app', import.meta.url)),
  include: CLOCK_SHIM_INCLUDE,
  // Another OTP: Debian trixie's (CERTDRILL_DEBIAN_SUITE=trixie), or an official Erlang image to build on, e.g. erlang:27-slim.
  buildArgs: process.env.CERTDRILL_ERLANG_BASE_IMAGE ? { BASE_IMAGE: process.env.CERTDRILL_ERLANG_BASE_IMAGE } : suiteBuildArgs(),
};

export interface ErlangCertificateFiles {
  certPem: string;
  keyPem: string;
  /** PEM of the CA certificate(s) it trusts: one CA, or a bundle during a rotation. */
  caPem: string;
}

export interface ErlangNodeOptions {
  /** Host name of the node; its Erlang node name is certdrill@<name>. */
  name: string;
  /** Its certificate, key and CA as files, or the request it makes for them at each start. */
  certificate: ErlangCertificateFiles | RequestedCertificate;
  clock: ClockSpec;
  clockBy?: ClockMover | undefined;
  /** Run the pre-flight check before the node starts, refusing within this many seconds of expiry. */
  preflightMarginSeconds?: number;
}

/** The NodeSpec of one erlang-app node (erlang-app/) that dials `peers`. */
export function erlangNodeSpec(node: ErlangNodeOptions, peers: string[]): NodeSpec {
  const requested = 'issuer' in node.certificate ? node.certificate : undefined;
  return {
    name: node.name,
    image: ERLANG_IMAGE,
    env: {
      CERTDRILL_NODE: NODE_PREFIX + node.name,
      CERTDRILL_PEERS: peers.map((p) => NODE_PREFIX + p).join(','),
      CERTDRILL_HTTP_PORT: String(HTTP_PORT),
      ...preflightEnv(node.preflightMarginSeconds),
    },
    ...(node.preflightMarginSeconds === undefined ? {} : { preflight: PREFLIGHT_COMMAND }),
    files: requested ? [] : erlangCertFiles(node.certificate as ErlangCertificateFiles),
    ...(requested ? { requests: requested } : {}),
    clock: node.clock,
    // certdrill-clock unless asked otherwise: libfaketime 0.9.10 re-reading its file on every call from the BEAM's many
    // threads (FAKETIME_NO_CACHE) now and then hands one of them the real time; the shim's offset page has no such state.
    clockBy: node.clockBy ?? 'certdrill-clock',
    ports: [HTTP_PORT],
    // A node the pre-flight check refuses never starts: that line is as final as the other.
    readyLog: /certdrill: node \S+ started|certdrill preflight: refusing to start/,
  };
}

/** The request a node makes for its certificate at each start, written where it would otherwise be given its files. */
export function erlangRequest(node: string, issuer: string, trust?: string): RequestedCertificate {
  return {
    issuer,
    dir: CERT_DIR,
    files: { ca: 'ca.crt', cert: 'node.crt', key: 'node.key' },
    commonName: node,
    dnsNames: [node],
    ...(trust ? { trust } : {}),
  };
}

/** The files of a node's certificates, for a node that restarts with new ones. */
export function erlangCertFiles(node: ErlangCertificateFiles): NodeFile[] {
  return [
    { path: `${CERT_DIR}/ca.crt`, content: node.caPem, mode: CERT_MODE },
    { path: `${CERT_DIR}/node.crt`, content: node.certPem, mode: CERT_MODE },
    { path: `${CERT_DIR}/node.key`, content: node.keyPem, mode: KEY_MODE },
  ];
}

/** erlang-app's pre-flight check: what an init container runs before the node. */
export const PREFLIGHT_COMMAND = ['/app/bin/preflight.sh'];

/** The pre-flight check's margin: it refuses a certificate or CA that expires within this many seconds. */
export function preflightEnv(marginSeconds: number | undefined): Record<string, string> {
  return { CERTDRILL_PREFLIGHT_MARGIN: String(Math.round(marginSeconds ?? 0)) };
}

/** GET /metrics: the Prometheus text an alert rule would read. */
export async function scrapeErlangMetrics(endpoint: Endpoint, timeoutMs: number): Promise<Record<string, number>> {
  const response = await fetch(`http://${endpoint.host}:${endpoint.port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return parsePrometheusText(await response.text());
}

/** Series → value from Prometheus' text format (comments skipped). */
export function parsePrometheusText(text: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line.trim());
    if (match && !line.startsWith('#')) values[match[1]!] = Number(match[2]);
  }
  return values;
}

/** GET /status of an erlang-app node: the nodes it is connected to and its own clock. */
export async function probeErlangNode(endpoint: Endpoint, timeoutMs: number): Promise<ErlangStatus> {
  const response = await fetch(`http://${endpoint.host}:${endpoint.port}/status`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET /status answered ${response.status}`);
  const status = (await response.json()) as {
    nodes: string[];
    timeMs: number;
    otp?: string;
    cert?: { notAfter?: string };
    ca?: { notAfter?: string };
  };
  return {
    peers: status.nodes.map(hostOf),
    nodeTime: new Date(status.timeMs).toISOString(),
    attributes: {
      ...(status.cert?.notAfter ? { certNotAfter: status.cert.notAfter } : {}),
      ...(status.ca?.notAfter ? { caNotAfter: status.ca.notAfter } : {}),
    },
  };
}

/** What GET /status tells: whom the node is connected to, its clock, and its certificates' dates (attributes checks read; reports do not show them). */
export interface ErlangStatus {
  peers: string[];
  nodeTime: string;
  attributes: { certNotAfter?: string; caNotAfter?: string };
}

/** The CA's notAfter a membership sample reports (GET /status), if any. */
export function caNotAfterOf(sample: Pick<StateRecord, 'attributes'>): string | undefined {
  const value = sample.attributes?.caNotAfter;
  return typeof value === 'string' ? value : undefined;
}

/** erlang-app's own report of what it runs. */
export async function erlangVersions(access: NodeAccess): Promise<Record<string, string>> {
  // Debian's Erlang lives in /usr/lib/erlang, an official image's in /usr/local/lib/erlang.
  const script =
    "echo OTP: $(cat /usr/lib/erlang/releases/*/OTP_VERSION /usr/local/lib/erlang/releases/*/OTP_VERSION 2>/dev/null | head -1); dpkg-query -W -f='${Package} ${Version}\\n' erlang-base libfaketime 2>/dev/null";
  const result = await access.exec(['sh', '-c', script]);
  return parseVersionLines(result.stdout);
}

/** The node's clock as the BEAM reads it (erlang:system_time through libfaketime), from GET /status. */
export async function readErlangClock(access: NodeAccess): Promise<{ time: Date; by: string } | undefined> {
  const status = await probeErlangNode(await access.endpoint(HTTP_PORT), PROBE_TIMEOUT_MS);
  return status.nodeTime ? { time: new Date(status.nodeTime), by: "the node's own clock (GET /status)" } : undefined;
}

/** GET /status and GET /metrics of each node, on one loop. */
export const erlangProbes: readonly Probe[] = [{ name: 'status', sample: sampleErlangNode }];

async function sampleErlangNode(node: string, access: NodeAccess): Promise<ProbeRecord[]> {
  let endpoint: Endpoint;
  try {
    endpoint = await access.endpoint(HTTP_PORT);
  } catch (error) {
    return [membershipDown(node, shortError(error))];
  }
  const [status, metrics] = await Promise.allSettled([probeErlangNode(endpoint, PROBE_TIMEOUT_MS), scrapeErlangMetrics(endpoint, PROBE_TIMEOUT_MS)]);
  const records: ProbeRecord[] = [
    status.status === 'fulfilled'
      ? membershipUp(node, status.value.peers, {
          nodeTime: status.value.nodeTime,
          ...(Object.keys(status.value.attributes).length ? { attributes: status.value.attributes } : {}),
        })
      : isTimeout(status.reason)
        ? membershipDown(node, `no answer within ${PROBE_TIMEOUT_MS / 1000} s`, true)
        : membershipDown(node, shortError(status.reason)),
  ];
  if (metrics.status === 'fulfilled') {
    const nodeTime = status.status === 'fulfilled' ? status.value.nodeTime : undefined;
    records.push({ kind: 'metrics', node, values: metrics.value, ...(nodeTime ? { nodeTime } : {}) });
  }
  return records;
}

function hostOf(nodeName: string): string {
  return nodeName.startsWith(NODE_PREFIX) ? nodeName.slice(NODE_PREFIX.length) : nodeName;
}
