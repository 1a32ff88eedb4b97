import { fileURLToPath } from 'node:url';
import type { ClockSpec } from '../../clock/spec.js';
import type { ProbeRecord } from '../../observe/records.js';
import { CERT_MODE, KEY_MODE } from '../../pki/files.js';
import type { Endpoint, ImageSource, NodeSpec } from '../../platform/types.js';
import type { NodeAccess, Workload } from '../types.js';
import { classifyErlangLogLine } from './logs.js';

const HTTP_PORT = 8080;
const CERT_DIR = '/certdrill/certs';
const NODE_PREFIX = 'certdrill@';
const PROBE_TIMEOUT_MS = 1500;

export const ERLANG_IMAGE: ImageSource = {
  repository: 'certdrill/erlang-app',
  context: fileURLToPath(new URL('../../../erlang-app', import.meta.url)),
};

export interface ErlangNodeFiles {
  /** Host name of the node; its Erlang node name is certdrill@<name>. */
  name: string;
  certPem: string;
  keyPem: string;
  /** PEM of the CA certificate(s) it trusts: one CA, or a bundle during a rotation. */
  caPem: string;
  clock: ClockSpec;
}

/** The NodeSpec of one erlang-app node (erlang-app/) that dials `peers`. */
export function erlangNodeSpec(node: ErlangNodeFiles, peers: string[]): NodeSpec {
  return {
    name: node.name,
    image: ERLANG_IMAGE,
    env: {
      CERTDRILL_NODE: NODE_PREFIX + node.name,
      CERTDRILL_PEERS: peers.map((p) => NODE_PREFIX + p).join(','),
      CERTDRILL_HTTP_PORT: String(HTTP_PORT),
    },
    files: [
      { path: `${CERT_DIR}/ca.crt`, content: node.caPem, mode: CERT_MODE },
      { path: `${CERT_DIR}/node.crt`, content: node.certPem, mode: CERT_MODE },
      { path: `${CERT_DIR}/node.key`, content: node.keyPem, mode: KEY_MODE },
    ],
    clock: node.clock,
    ports: [HTTP_PORT],
    readyLog: /certdrill: node \S+ started/,
  };
}

/** GET /status of an erlang-app node: the nodes it is connected to and its own clock. */
export async function probeErlangNode(endpoint: Endpoint, timeoutMs: number): Promise<Omit<ProbeRecord & { kind: 'membership' }, 'node' | 'kind'>> {
  const response = await fetch(`http://${endpoint.host}:${endpoint.port}/status`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET /status answered ${response.status}`);
  const status = (await response.json()) as { nodes: string[]; timeMs: number; cert?: { notAfter?: string }; ca?: { notAfter?: string } };
  return {
    up: true,
    sees: status.nodes.map(hostOf),
    nodeTime: new Date(status.timeMs).toISOString(),
    certNotAfter: status.cert?.notAfter,
    caNotAfter: status.ca?.notAfter,
  };
}

/** erlang-app: OTP nodes clustering over TLS distribution. */
export const erlangWorkload: Workload = {
  name: 'erlang',

  async sample(node: string, access: NodeAccess): Promise<ProbeRecord[]> {
    try {
      const status = await probeErlangNode(await access.endpoint(HTTP_PORT), PROBE_TIMEOUT_MS);
      return [{ kind: 'membership', node, ...status }];
    } catch (error) {
      return [{ kind: 'membership', node, up: false, sees: [], error: shortError(error) }];
    }
  },

  classifyLogLine: classifyErlangLogLine,
};

function hostOf(nodeName: string): string {
  return nodeName.startsWith(NODE_PREFIX) ? nodeName.slice(NODE_PREFIX.length) : nodeName;
}

export function shortError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'probe timed out';
  const cause = err.cause?.code ?? err.cause?.message;
  return `${err.message}${cause ? ` (${cause})` : ''}`.split('\n')[0]!;
}
