import { request } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { NodeAccess, Probe } from '../../observe/probe.js';
import type { StateRecord } from '../../observe/records.js';
import { CERT_MODE, KEY_MODE } from '../../pki/files.js';
import type { Endpoint, ImageSource, NodeFile, NodeSpec } from '../../platform/types.js';
import { suiteBuildArgs } from '../debian-suite.js';
import { parseVersionLines, shortError } from '../workload.js';
import type { EtcdClusterSetup, EtcdMemberSetup, MemberCerts } from './setup.js';
import { pkiDir } from './setup.js';
import { CLOCK_SHIM_INCLUDE } from '../../clock/shim.js';

export const CLIENT_PORT = 4001;
export const PEER_PORT = 2380;
export const ETCDCTL_DIR = '/certdrill/etcdctl';
/**
 * kube-apiserver gives up on etcd's /health after 2 s (--etcd-healthcheck-timeout).
 * The probe waits longer, so that a member answering on a busy 2-core host is
 * still heard; past it the sample says `noAnswer`, not Unhealthy.
 */
const PROBE_TIMEOUT_MS = 5000;
const ETCDCTL_TIMEOUT_S = 3;

export const ETCD_IMAGE: ImageSource = {
  repository: 'certdrill/etcd-member',
  context: fileURLToPath(new URL('./image', import.meta.url)),
  include: CLOCK_SHIM_INCLUDE,
  // Debian trixie's etcd 3.5 with CERTDRILL_DEBIAN_SUITE=trixie; ETCD_VERSION downloads an upstream release instead of Debian's.
  buildArgs: { ...suiteBuildArgs(), ...(process.env.CERTDRILL_ETCD_VERSION ? { ETCD_VERSION: process.env.CERTDRILL_ETCD_VERSION } : {}) },
};

/** The member's certificates where etcd-manager keeps them: /mnt/master-vol-<id>/pki/<hash>/{clients,peers}/. */
export function memberPkiFiles(cluster: EtcdClusterSetup, member: EtcdMemberSetup, certs: MemberCerts): NodeFile[] {
  const dir = pkiDir(cluster.name, member);
  return [
    { path: `${dir}/clients/ca.crt`, content: cluster.clientsCa.certPem, mode: CERT_MODE },
    { path: `${dir}/clients/server.crt`, content: certs.serverCert.certPem, mode: CERT_MODE },
    { path: `${dir}/clients/server.key`, content: certs.serverCert.keyPem, mode: KEY_MODE },
    { path: `${dir}/peers/ca.crt`, content: cluster.peersCa.certPem, mode: CERT_MODE },
    { path: `${dir}/peers/me.crt`, content: certs.peerCert.certPem, mode: CERT_MODE },
    { path: `${dir}/peers/me.key`, content: certs.peerCert.keyPem, mode: KEY_MODE },
  ];
}

export function etcdMemberSpec(cluster: EtcdClusterSetup, member: EtcdMemberSetup, certs: MemberCerts): NodeSpec {
  const dir = pkiDir(cluster.name, member);
  return {
    name: member.name,
    image: ETCD_IMAGE,
    env: {
      CERTDRILL_MEMBER: member.name,
      CERTDRILL_VOLUME_ID: member.volumeId,
      CERTDRILL_PKI_HASH: dir.split('/').pop()!,
      CERTDRILL_CLUSTER: cluster.members.map((m) => m.name).join(','),
      CERTDRILL_CLUSTER_TOKEN: `certdrill-${cluster.name}`,
      CERTDRILL_CLIENT_PORT: String(CLIENT_PORT),
      CERTDRILL_PEER_PORT: String(PEER_PORT),
    },
    files: [
      ...memberPkiFiles(cluster, member, certs),
      { path: `${ETCDCTL_DIR}/ca.crt`, content: cluster.clientsCa.certPem, mode: CERT_MODE },
      { path: `${ETCDCTL_DIR}/client.crt`, content: cluster.client.certPem, mode: CERT_MODE },
      { path: `${ETCDCTL_DIR}/client.key`, content: cluster.client.keyPem, mode: KEY_MODE },
    ],
    clock: member.clock ?? '+0',
    // etcd is Go: libfaketime cannot reach its clock, certdrill-clock can.
    clockBy: member.clockBy ?? 'certdrill-clock',
    ports: [CLIENT_PORT],
    // etcd 3.4 (capnslog): "embed: listening for peers on ..."; 3.5 (zap JSON): "msg":"configuring peer listeners".
    readyLog: /listening for peers on|"msg":"configuring peer listeners"/,
    volumes: [{ name: 'master-vol', path: `/mnt/master-vol-${member.volumeId}` }],
  };
}

/** What etcd and libfaketime the member runs, as it reports them. */
export async function etcdVersions(access: NodeAccess): Promise<Record<string, string>> {
  // A kops master also runs etcd-manager (its version in the node's environment) and kube-apiserver.
  const script = [
    "echo etcd: $(etcd --version | sed -n 's/^etcd Version: //p')",
    'if [ -n "${CERTDRILL_ETCD_MANAGER_VERSION:-}" ]; then echo etcd-manager: $CERTDRILL_ETCD_MANAGER_VERSION; fi',
    "if command -v kube-apiserver >/dev/null; then echo kube-apiserver: $(kube-apiserver --version | sed 's/^Kubernetes //'); fi",
    "dpkg-query -W -f='${Package} ${Version}\\n' libfaketime",
  ].join('; ');
  return parseVersionLines((await access.exec(['sh', '-c', script])).stdout);
}

/**
 * kops' etcd: each sample gives two views of a member. `apiserver`: what
 * `kubectl get cs` shows, a GET of /health on the client port with
 * kube-apiserver's client certificate, verifying the member's. `etcdctl`:
 * endpoint health, status (leader, raft term) and member list, run inside the
 * member; it presents a valid client certificate but skips verifying the
 * member's serving certificate, so it reads raft's state even when that
 * certificate has expired.
 */
/** The two views of a member a scenario can ask about. */
export type EtcdView = 'apiserver' | 'etcdctl' | 'componentstatus';

/** The hand-issued cluster's views; a kops master's own are in ./manager/master.ts. `componentstatus` is a kops master's only. */
export const VIEW_LABELS: Record<EtcdView, string> = {
  apiserver: 'API server view (raft-free fallback: a TLS client, not kube-apiserver)',
  etcdctl: 'etcdctl',
  componentstatus: 'kubectl get cs',
};

export class EtcdProbes {
  private readonly clusterOf = new Map<string, EtcdClusterSetup>();

  constructor(clusters: EtcdClusterSetup[]) {
    for (const cluster of clusters) for (const m of cluster.members) this.clusterOf.set(m.name, cluster);
  }

  // The API server's view is a cheap HTTP request that a member not serving clients leaves hanging to the
  // deadline: it may overlap. etcdctl runs in the member (docker exec): one at a time, not to load the host.
  readonly probes: readonly Probe[] = [
    { name: 'apiserver', sample: async (node: string, access: NodeAccess) => [await this.apiserverView(node, access)], maxInFlight: 4 },
    { name: 'etcdctl', sample: async (node: string, access: NodeAccess) => [await etcdctlView(node, access)] },
  ];

  private async apiserverView(node: string, access: NodeAccess): Promise<Omit<StateRecord, 't'>> {
    const base = { kind: 'state', node, view: 'apiserver', viewLabel: VIEW_LABELS.apiserver } as const;
    const cluster = this.clusterOf.get(node)!;
    if (cluster.apiserverOn === 'member')
      return { ...base, viewLabel: `${VIEW_LABELS.apiserver} (beside the member, on its clock)`, ...(await apiserverViewInMember(node, access)) };
    try {
      const endpoint = await access.endpoint(CLIENT_PORT);
      const { status, body } = await getHealth(endpoint, node, cluster);
      const health = parseJson<{ health?: string; reason?: string }>(body);
      const healthy = status === 200 && health?.health === 'true';
      return { ...base, ok: healthy, ...(healthy ? {} : { error: `HTTP ${status} ${body.trim()}` }) };
    } catch (error) {
      if (error instanceof NoAnswer) return { ...base, ok: false, noAnswer: true, error: error.message };
      return { ...base, ok: false, error: shortError(error) };
    }
  }
}

/**
 * etcdctl's view, run inside the member: endpoint health, status (leader,
 * raft term) and member list, with a valid client certificate but skipping
 * verification of the member's serving certificate, so that it reads raft's
 * state even when that certificate has expired.
 */
export async function etcdctlView(node: string, access: NodeAccess): Promise<Omit<StateRecord, 't'>> {
  const base = { kind: 'state', node, view: 'etcdctl', viewLabel: VIEW_LABELS.etcdctl } as const;
  // `timeout`: etcdctl retries past its own timeouts when there is no quorum.
  const etcdctl = [
    'timeout',
    String(ETCDCTL_TIMEOUT_S),
    'etcdctl',
    `--endpoints=https://${node}:${CLIENT_PORT}`,
    `--cacert=${ETCDCTL_DIR}/ca.crt`,
    `--cert=${ETCDCTL_DIR}/client.crt`,
    `--key=${ETCDCTL_DIR}/client.key`,
    '--insecure-skip-tls-verify',
    '--dial-timeout=1s',
    '--command-timeout=1s',
    '-w',
    'json',
  ].join(' ');
  // The three run at once: each waits up to its timeout when there is no quorum.
  const script = [
    'd=$(mktemp -d)',
    `${etcdctl} endpoint health >$d/1 2>$d/e1 & ${etcdctl} endpoint status >$d/2 2>$d/e2 & ${etcdctl} member list >$d/3 2>$d/e3 & wait`,
    'cat $d/1; echo @@; cat $d/2; echo @@; cat $d/3; cat $d/e1 >&2; rm -rf $d',
  ].join('\n');
  try {
    const result = await access.exec(['sh', '-c', script]);
    // Member ids are 64-bit: keep them as text, JSON numbers would round them.
    const [health, status, members] = result.stdout
      .replace(/(":\s*)(\d{16,})/g, '$1"$2"')
      .split('@@')
      .map((part) => part.trim());
    const healthJson = parseJson<{ health?: boolean; error?: string }[]>(health ?? '')?.[0];
    const statusJson = parseJson<{ Status?: { leader?: string; raftTerm?: number } }[]>(status ?? '')?.[0]?.Status;
    const memberJson = parseJson<{ members?: { ID: string; name: string }[] }>(members ?? '')?.members ?? [];
    const leader = statusJson?.leader ? (memberJson.find((m) => m.ID === statusJson.leader)?.name ?? statusJson.leader) : undefined;
    const healthy = healthJson?.health === true;
    // No verdict printed at all: etcdctl was still retrying when `timeout` stopped it.
    const noAnswer = healthJson === undefined;
    const error = healthy ? undefined : (healthJson?.error ?? lastLine(result.stderr) ?? `no answer within ${ETCDCTL_TIMEOUT_S} s`);
    // ETCD_ATTRIBUTES says how they read.
    const attributes = {
      ...(leader ? { leader } : {}),
      ...(statusJson?.raftTerm !== undefined ? { raftTerm: Number(statusJson.raftTerm) } : {}),
      ...(memberJson.length ? { members: memberJson.map((m) => m.name).sort() } : {}),
    };
    return {
      ...base,
      ok: healthy,
      ...(noAnswer ? { noAnswer: true as const } : {}),
      ...(error ? { error } : {}),
      ...(Object.keys(attributes).length ? { attributes } : {}),
    };
  } catch (error) {
    return { ...base, ok: false, error: shortError(error) };
  }
}

/**
 * kube-apiserver's view taken beside the member, on its clock: curl (OpenSSL)
 * in the member's node, run through whatever moves that node's clock, with
 * kube-apiserver's client certificate, verifying the member's certificate for
 * its name as the API server does.
 */
async function apiserverViewInMember(node: string, access: NodeAccess): Promise<Pick<StateRecord, 'ok' | 'error' | 'noAnswer'>> {
  const curl = [
    'curl',
    '--silent',
    '--show-error',
    '--max-time',
    String(PROBE_TIMEOUT_MS / 1000),
    '--cacert',
    `${ETCDCTL_DIR}/ca.crt`,
    '--cert',
    `${ETCDCTL_DIR}/client.crt`,
    '--key',
    `${ETCDCTL_DIR}/client.key`,
    '--resolve',
    `${node}:${CLIENT_PORT}:127.0.0.1`,
    '--write-out',
    '\n%{http_code}',
    '--verbose',
    `https://${node}:${CLIENT_PORT}/health`,
  ];
  try {
    const result = await access.exec(curl);
    // curl's exit 28: its deadline passed.
    const lines = result.stdout.trim().split('\n');
    const code = Number(lines.pop());
    // --verbose says how far it got: a TCP connection made and no TLS handshake done is a member that accepts and never serves.
    const reached =
      /^\* Connected to /m.test(result.stderr) && !/^\* SSL connection using /m.test(result.stderr) ? 'connected, no TLS handshake' : undefined;
    if (result.exitCode === 28)
      return {
        ok: false,
        noAnswer: true,
        error: `no answer within ${PROBE_TIMEOUT_MS / 1000} s (${reached ?? curlError(result.stderr) ?? 'curl timed out'})`,
      };
    if (result.exitCode !== 0) return { ok: false, error: curlError(result.stderr) ?? `curl exited ${result.exitCode}` };
    const status = code;
    const body = lines.join('\n');
    const healthy = status === 200 && parseJson<{ health?: string }>(body)?.health === 'true';
    return { ok: healthy, ...(healthy ? {} : { error: `HTTP ${status} ${body.trim()}` }) };
  } catch (error) {
    return { ok: false, error: shortError(error) };
  }
}

/** curl's own line, `curl: (60) SSL certificate problem: certificate has expired`, without the advice that follows it. */
function curlError(stderr: string): string | undefined {
  return /^curl: \(\d+\) .*$/m.exec(stderr)?.[0];
}

/** The probe's deadline passed; says how far the exchange got, since a member that never joined its cluster accepts TCP but never answers TLS. */
class NoAnswer extends Error {}

function getHealth(endpoint: Endpoint, member: string, cluster: EtcdClusterSetup): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let reached = 'no TCP connection';
    const req = request(
      {
        host: endpoint.host,
        port: endpoint.port,
        path: '/health',
        method: 'GET',
        // The API server dials the member by name and checks its certificate for that name.
        servername: member,
        checkServerIdentity: (_host, cert) => checkServerIdentity(member, cert),
        ca: cluster.clientsCa.certPem,
        cert: cluster.client.certPem,
        key: cluster.client.keyPem,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('socket', (socket) => {
      socket.once('connect', () => (reached = 'connected, no TLS handshake'));
      socket.once('secureConnect', () => (reached = 'TLS handshake done, no HTTP answer'));
    });
    // A deadline for the whole exchange, as kube-apiserver's: a socket idle timeout restarts with every byte.
    const deadline = setTimeout(() => req.destroy(new NoAnswer(`no answer within ${PROBE_TIMEOUT_MS / 1000} s (${reached})`)), PROBE_TIMEOUT_MS);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    req.end();
  });
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function lastLine(text: string): string | undefined {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{"level"'));
  return lines.at(-1)?.replace(/^Error:\s*/, '') || undefined;
}
