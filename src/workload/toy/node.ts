import { fileURLToPath } from 'node:url';
import {
  CERT_MODE,
  CLOCK_SHIM_INCLUDE,
  KEY_MODE,
  membershipDown,
  membershipUp,
  parseVersionLines,
  shortError,
  type ClockSpec,
  type ImageSource,
  type NodeAccess,
  type NodeFile,
  type NodeSpec,
  type Probe,
  type ProbeRecord,
} from '../api.js';

/** Each node listens for the j-th node of the list on BASE_PORT + j: one openssl s_server per peer. */
const BASE_PORT = 7440;
const CERT_DIR = '/certdrill/certs';
/** What the node's script keeps: a file per peer it is connected to (both certificates verified), and its certificate's notAfter. */
const STATE_DIR = '/certdrill/state';
// docker exec on a busy 2-core host still answers well within this; past it the sample says `noAnswer`.
const PROBE_TIMEOUT_MS = 5000;

/** The toy node's image (./image): Debian's openssl and libfaketime, and a shell script. */
export const TOY_IMAGE: ImageSource = {
  repository: 'certdrill/toy-node',
  context: fileURLToPath(new URL('./image', import.meta.url)),
  include: CLOCK_SHIM_INCLUDE,
};

export interface ToyNodeFiles {
  name: string;
  certPem: string;
  keyPem: string;
  caPem: string;
  clock: ClockSpec;
}

/** The NodeSpec of one toy node of the cluster `nodes` (its own name among them), that dials the others. */
export function toyNodeSpec(node: ToyNodeFiles, nodes: readonly string[]): NodeSpec {
  return {
    name: node.name,
    image: TOY_IMAGE,
    env: { TOY_NODE: node.name, TOY_NODES: nodes.join(','), TOY_PORT: String(BASE_PORT) },
    files: toyCertFiles(node),
    clock: node.clock,
    // The probe runs in the node: no port needs to be reachable from outside.
    ports: [],
    readyLog: /toy: node \S+ listening on/,
  };
}

/** The files of a node's certificate, key and CA, for a node that starts or restarts with them. */
export function toyCertFiles(node: Pick<ToyNodeFiles, 'certPem' | 'keyPem' | 'caPem'>): NodeFile[] {
  return [
    { path: `${CERT_DIR}/ca.crt`, content: node.caPem, mode: CERT_MODE },
    { path: `${CERT_DIR}/node.crt`, content: node.certPem, mode: CERT_MODE },
    { path: `${CERT_DIR}/node.key`, content: node.keyPem, mode: KEY_MODE },
  ];
}

/** openssl and libfaketime, as Debian's package database in the node names them. */
export async function toyVersions(access: NodeAccess): Promise<Record<string, string>> {
  const result = await access.exec(['sh', '-c', "dpkg-query -W -f='${Package} ${Version}\\n' openssl libfaketime"]);
  return parseVersionLines(result.stdout);
}

/** One probe: the node's state folder, read in the node (docker exec), with the node's clock. */
export const toyProbes: readonly Probe[] = [{ name: 'status', sample: async (node, access) => [await sampleToyNode(node, access)] }];

const STATUS_SCRIPT = `ls ${STATE_DIR}/sees && echo @@ && date -u +%s.%N && cat ${STATE_DIR}/cert-not-after`;

async function sampleToyNode(node: string, access: NodeAccess): Promise<ProbeRecord> {
  let deadline: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (deadline = setTimeout(() => resolve('timeout'), PROBE_TIMEOUT_MS)));
  try {
    const result = await Promise.race([access.exec(['sh', '-c', STATUS_SCRIPT]), timedOut]);
    if (result === 'timeout') return membershipDown(node, `no answer within ${PROBE_TIMEOUT_MS / 1000} s`, true);
    if (result.exitCode !== 0) return membershipDown(node, `status unreadable: ${(result.stderr || result.stdout).trim().split('\n')[0]}`);
    const [sees = '', rest = ''] = result.stdout.split('@@');
    const [seconds, notAfter] = rest.trim().split('\n');
    const nodeTime = Number(seconds);
    const certNotAfter = notAfter ? new Date(notAfter) : undefined;
    const peers = sees
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean)
      .sort();
    return membershipUp(node, peers, {
      ...(Number.isFinite(nodeTime) && nodeTime > 0 ? { nodeTime: new Date(nodeTime * 1000).toISOString() } : {}),
      ...(certNotAfter && !Number.isNaN(certNotAfter.getTime()) ? { attributes: { certNotAfter: certNotAfter.toISOString() } } : {}),
    });
  } catch (error) {
    // Not running (restarting, stopped): the container cannot run the command.
    return membershipDown(node, shortError(error));
  } finally {
    clearTimeout(deadline);
  }
}
