import { fileURLToPath } from 'node:url';
import type { ClockSpec } from '../../clock/spec.js';
import type { MembershipSample } from '../../observe/records.js';
import { KEY_MODE, CERT_MODE } from '../../pki/files.js';
import type { Endpoint, NodeSpec } from '../../platform/types.js';
import type { Workload } from '../types.js';
import { classifyErlangLogLine } from './logs.js';

const HTTP_PORT = 8080;
const CERT_DIR = '/certdrill/certs';
const NODE_PREFIX = 'certdrill@';

export interface ErlangNodeSetup {
  /** Host name of the node; its Erlang node name is certdrill@<name>. */
  name: string;
  /** PEM of the node's certificate and key. */
  certPem: string;
  keyPem: string;
  /** PEM of the CA certificate(s) it trusts: one CA, or a bundle during a rotation. */
  caPem: string;
  clock: ClockSpec;
}

/** erlang-app: an OTP node clustering over TLS distribution (erlang-app/). */
export const erlangWorkload: Workload & { nodeSpec(node: ErlangNodeSetup, peers: string[]): NodeSpec } = {
  name: 'erlang',
  image: {
    repository: 'certdrill/erlang-app',
    context: fileURLToPath(new URL('../../../erlang-app', import.meta.url)),
  },
  probePort: HTTP_PORT,

  nodeSpec(node, peers) {
    return {
      name: node.name,
      image: this.image,
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
  },

  async probe(endpoint: Endpoint, timeoutMs: number): Promise<MembershipSample> {
    const response = await fetch(`http://${endpoint.host}:${endpoint.port}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`GET /status answered ${response.status}`);
    const status = (await response.json()) as {
      nodes: string[];
      time: string;
      timeMs: number;
      cert?: { notAfter?: string };
      ca?: { notAfter?: string };
    };
    return {
      up: true,
      sees: status.nodes.map(hostOf),
      nodeTime: new Date(status.timeMs).toISOString(),
      certNotAfter: status.cert?.notAfter,
      caNotAfter: status.ca?.notAfter,
    };
  },

  classifyLogLine: classifyErlangLogLine,
};

function hostOf(nodeName: string): string {
  return nodeName.startsWith(NODE_PREFIX) ? nodeName.slice(NODE_PREFIX.length) : nodeName;
}
