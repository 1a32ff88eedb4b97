import { createPublicKey } from 'node:crypto';
import type { NodeAccess, Probe } from '../../../observe/probe.js';
import type { CertificateRecord, StateRecord } from '../../../observe/records.js';
import { CERT_MODE, KEY_MODE } from '../../../pki/files.js';
import type { NodeFile, NodeSpec } from '../../../platform/types.js';
import { shortError } from '../../workload.js';
import type { EtcdClusterSetup, EtcdMemberSetup } from '../setup.js';
import { ETCDCTL_DIR, etcdctlView } from '../member.js';
import { kopsMasterImage, type EtcdManagerVersion } from './versions.js';

/** kops' --pki-dir: the CAs etcd-manager signs with, the same on every master, and its own gRPC certificates. */
export const PKI_DIR = '/etc/kubernetes/pki/etcd-manager';
/**
 * Where the platform puts the CAs, for start-master.sh to copy into --pki-dir
 * at start: etcd-manager writes its own key pairs in --pki-dir, and a
 * platform may give a node's files read-only (kind mounts them as a Secret).
 */
export const PKI_SEED_DIR = '/certdrill/pki-seed';
/** kube-apiserver's etcd client files, as kops' nodeup lays them out. */
const APISERVER_PKI = '/etc/kubernetes/pki/kube-apiserver';
const APISERVER_PORT = 6443;
/** kube-apiserver's static token, for kubectl in the node; the API server authorizes everything (AlwaysAllow). */
const TOKEN = 'certdrill-admin-token';
const KUBECTL = ['kubectl', `--server=https://127.0.0.1:${APISERVER_PORT}`, `--token=${TOKEN}`, '--insecure-skip-tls-verify'];

/**
 * A shell loop in a master that ends once kube-apiserver's full /readyz is
 * ok, every post-start hook included, or fails after `timeoutS`. Serving
 * /readyz/etcd is not done starting: a hook still retrying (its initial IP
 * allocation check, after an election at formation) dies of a clock jump
 * that makes its new dials fail, and takes kube-apiserver with it.
 */
export function apiserverStartedScript(timeoutS: number): string {
  return `end=$(( $(date +%s) + ${timeoutS} ))
until [ "$(${KUBECTL.join(' ')} --request-timeout=5s get --raw /readyz 2>&1)" = ok ]; do
  [ "$(date +%s)" -lt "$end" ] || { echo "kube-apiserver's /readyz not ok within ${timeoutS} s: $(${KUBECTL.join(' ')} --request-timeout=5s get --raw '/readyz?verbose' 2>&1 | grep -v '\\] ok$' | tail -n 3 | tr '\\n' ' ')"; exit 1; }
  sleep 1
done`;
}

/** kube-apiserver's own etcd health check gives up after 2 s; kubectl waits a little longer for it. */
const READYZ_TIMEOUT_S = 5;
/** `kubectl get cs` waits for the API server's 20 s etcd dial. */
const COMPONENTSTATUS_TIMEOUT_S = 30;

/** Where member certificates a scenario forged wait in the node, for `installForgedCertificates` (a real etcd-manager issues its own). */
export const FORGED_DIR = '/certdrill/forged';

/**
 * The cores three kops masters (each etcd-manager, the etcd it starts and
 * kube-apiserver, under certdrill-clock) keep busy: two of them side by side
 * on a 2-core cluster were CPU-bound, their probes too slow to judge
 * (docs/benchmarks.md). A scenario running them declares it as its `cores`.
 */
export const KOPS_MASTERS_CORES = 2;

export const MASTER_PORTS = { client: 4001, peer: 2380, grpc: 3996, apiserver: APISERVER_PORT } as const;

export function memberVolume(member: EtcdMemberSetup): string {
  return `/mnt/master-vol-${member.volumeId}`;
}

/** The node of one kops master: etcd-manager (which issues the member's certificates and starts etcd) and kube-apiserver beside it. */
export function masterSpec(cluster: EtcdClusterSetup, member: EtcdMemberSetup, version: EtcdManagerVersion): NodeSpec {
  const managerCa = cluster.managerCa!;
  const serviceAccount = cluster.serviceAccount!;
  const pem = (path: string, content: string, mode = CERT_MODE): NodeFile => ({ path, content, mode });
  return {
    name: member.name,
    image: kopsMasterImage(version),
    env: {
      CERTDRILL_MEMBER: member.name,
      CERTDRILL_ETCD_MANAGER_VERSION: version,
      CERTDRILL_VOLUME_ID: member.volumeId,
      CERTDRILL_MEMBER_COUNT: String(cluster.members.length),
      CERTDRILL_APISERVER: cluster.apiserver === false ? 'off' : 'on',
    },
    files: [
      pem(`${PKI_SEED_DIR}/etcd-manager-ca.crt`, managerCa.certPem),
      pem(`${PKI_SEED_DIR}/etcd-manager-ca.key`, managerCa.keyPem, KEY_MODE),
      pem(`${PKI_SEED_DIR}/etcd-peers-ca.crt`, cluster.peersCa.certPem),
      pem(`${PKI_SEED_DIR}/etcd-peers-ca.key`, cluster.peersCa.keyPem, KEY_MODE),
      pem(`${PKI_SEED_DIR}/etcd-clients-ca.crt`, cluster.clientsCa.certPem),
      pem(`${PKI_SEED_DIR}/etcd-clients-ca.key`, cluster.clientsCa.keyPem, KEY_MODE),
      pem(`${APISERVER_PKI}/etcd-ca.crt`, cluster.clientsCa.certPem),
      pem(`${APISERVER_PKI}/etcd-client.crt`, cluster.client.certPem),
      pem(`${APISERVER_PKI}/etcd-client.key`, cluster.client.keyPem, KEY_MODE),
      pem('/srv/kubernetes/known_tokens.csv', `${TOKEN},admin,admin,system:masters\n`, KEY_MODE),
      pem('/srv/kubernetes/service-account.key', serviceAccount.keyPem, KEY_MODE),
      pem('/srv/kubernetes/service-account.pub', createPublicKey(serviceAccount.keyPem).export({ type: 'spki', format: 'pem' }).toString()),
      pem(`${ETCDCTL_DIR}/ca.crt`, cluster.clientsCa.certPem),
      pem(`${ETCDCTL_DIR}/client.crt`, cluster.etcdctl.certPem),
      pem(`${ETCDCTL_DIR}/client.key`, cluster.etcdctl.keyPem, KEY_MODE),
      ...(member.peerCert
        ? [pem(`${FORGED_DIR}/peers/me.crt`, member.peerCert.certPem), pem(`${FORGED_DIR}/peers/me.key`, member.peerCert.keyPem, KEY_MODE)]
        : []),
      ...(member.serverCert
        ? [
            pem(`${FORGED_DIR}/clients/server.crt`, member.serverCert.certPem),
            pem(`${FORGED_DIR}/clients/server.key`, member.serverCert.keyPem, KEY_MODE),
          ]
        : []),
    ],
    clock: member.clock ?? '+0',
    // etcd-manager, etcd and kube-apiserver are Go: only certdrill-clock moves their clocks, and one shim moves all three.
    clockBy: 'certdrill-clock',
    ports: [MASTER_PORTS.client],
    // etcd-manager's first line, printed as it starts; the cluster forms after, which scenarios wait for.
    readyLog: /^etcd-manager$/,
    volumes: [
      { name: 'master-vol', path: memberVolume(member) },
      // Without a cloud volume provider every etcd-manager discovers its peers in this folder and keeps its backups and commands in the store.
      { name: 'discovery', path: '/tmp/discovery', shared: true },
      { name: 'backups', path: '/backups', shared: true },
    ],
  };
}

/** The views of a kops master's etcd, as its own kube-apiserver and etcdctl report them. */
export const MASTER_VIEW_LABELS = {
  apiserver: 'kube-apiserver /readyz/etcd (beside the member, on its clock)',
  componentstatus: 'kubectl get cs (kube-apiserver beside the member)',
} as const;

/** `kubectl get --raw /readyz/etcd` in the node: kube-apiserver's own judgement of its etcd, by the member's clock. */
async function readyzView(node: string, access: NodeAccess): Promise<Omit<StateRecord, 't'>> {
  const base = { kind: 'state', node, view: 'apiserver', viewLabel: MASTER_VIEW_LABELS.apiserver } as const;
  try {
    const result = await access.exec([
      'timeout',
      String(READYZ_TIMEOUT_S + 2),
      ...KUBECTL,
      `--request-timeout=${READYZ_TIMEOUT_S}s`,
      'get',
      '--raw',
      '/readyz/etcd',
    ]);
    const out = `${result.stdout}\n${result.stderr}`.trim();
    if (result.exitCode === 0 && result.stdout.trim() === 'ok') return { ...base, ok: true };
    if (result.exitCode === 124) return { ...base, ok: false, noAnswer: true, error: `kube-apiserver gave no answer within ${READYZ_TIMEOUT_S} s` };
    return { ...base, ok: false, ...kubectlFailure(out) };
  } catch (error) {
    return { ...base, ok: false, error: shortError(error) };
  }
}

/** `kubectl get cs`: the incident's view, its etcd line as kubectl prints it. */
async function componentstatusView(node: string, access: NodeAccess): Promise<Omit<StateRecord, 't'>> {
  const base = { kind: 'state', node, view: 'componentstatus', viewLabel: MASTER_VIEW_LABELS.componentstatus } as const;
  try {
    const result = await access.exec([
      'timeout',
      String(COMPONENTSTATUS_TIMEOUT_S + 2),
      ...KUBECTL,
      `--request-timeout=${COMPONENTSTATUS_TIMEOUT_S}s`,
      'get',
      'cs',
    ]);
    const line = result.stdout
      .split('\n')
      .find((l) => /^etcd-\d+\s/.test(l))
      ?.replace(/\s+/g, ' ')
      .trim();
    if (line) return { ...base, ok: / Healthy /.test(` ${line} `) && !/Unhealthy/.test(line), error: line };
    if (result.exitCode === 124)
      return { ...base, ok: false, noAnswer: true, error: `kubectl get cs gave no answer within ${COMPONENTSTATUS_TIMEOUT_S} s` };
    return { ...base, ok: false, ...kubectlFailure(`${result.stdout}\n${result.stderr}`.trim()) };
  } catch (error) {
    return { ...base, ok: false, error: shortError(error) };
  }
}

/**
 * A failed kubectl call as a sample: kube-apiserver's answer about etcd
 * (Unhealthy, with its reason), or no answer at all (kube-apiserver not
 * serving, or kubectl's own deadline passed), which says nothing of etcd and
 * so never counts as Unhealthy.
 */
export function kubectlFailure(out: string): { error: string; noAnswer?: true } {
  const error = apiserverError(out);
  const unanswered = /is not serving|Client\.Timeout exceeded|Unable to connect to the server|i\/o timeout|TLS handshake timeout/.test(
    `${out}\n${error}`,
  );
  return unanswered ? { error, noAnswer: true } : { error };
}

/**
 * kubectl's answer in one line, the same line for the same state (no klog
 * stamps, no port numbers of the moment), so that a timeline shows changes.
 */
export function apiserverError(out: string): string {
  const lines = out.split('\n').filter((l) => l.trim() && !l.startsWith('Warning:'));
  if (lines.some((l) => /connection refused|was refused/.test(l))) return `kube-apiserver is not serving (connection to :${APISERVER_PORT} refused)`;
  if (lines.some((l) => /connection reset by peer/.test(l))) return `kube-apiserver is not serving (connection to :${APISERVER_PORT} reset)`;
  const last = lines.at(-1)?.trim() ?? 'no output';
  return last
    .replace(/^[IWEF]\d{4} [\d:.]+\s+\d+ [^\]]+\] /, '')
    .replace(/\d+\.\d+\.\d+\.\d+:\d+->/g, '')
    .replace(/ \(Client\.Timeout exceeded while awaiting headers\)/, '');
}

// What each master holds and serves: the certificates on its volume and in --pki-dir, and what its ports present.
// `cat | show`, not `show <`: a file removed between find and read still ends its line (a failed redirection
// would skip show's newline and give the next file's certificate this one's name).
const HELD_AND_SERVED = (member: EtcdMemberSetup) => `
show() { openssl x509 -noout -serial -startdate -enddate -fingerprint -sha256 -issuer -nameopt RFC2253 2>/dev/null | tr '\\n' '|'; echo; }
for f in $(find ${memberVolume(member)}/pki ${PKI_DIR} -name '*.crt' ! -name 'ca.crt' ! -name 'etcd-*-ca.crt' ! -name 'etcd-manager-ca.crt' 2>/dev/null | sort); do printf 'file %s|' "$f"; cat "$f" 2>/dev/null | show; done
for p in ${MASTER_PORTS.peer} ${MASTER_PORTS.client} ${MASTER_PORTS.grpc}; do printf 'port %s|' "$p"; timeout 3 openssl s_client -connect "$(hostname):$p" </dev/null 2>/dev/null | show; done
`;

/** One held or served certificate, parsed from a line of HELD_AND_SERVED. */
export interface HeldCertificate {
  where: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  fingerprint: string;
  issuer: string;
}

export function parseHeld(stdout: string): HeldCertificate[] {
  const held: HeldCertificate[] = [];
  for (const line of stdout.split('\n')) {
    const [where, ...fields] = line.split('|');
    if (!where || !fields.some((f) => f.startsWith('serial='))) continue;
    const field = (name: string) => fields.find((f) => f.startsWith(`${name}=`))?.slice(name.length + 1) ?? '';
    const date = (text: string) => (Number.isNaN(Date.parse(text)) ? text : new Date(text).toISOString());
    held.push({
      where,
      serial: field('serial').toLowerCase(),
      notBefore: date(field('notBefore')),
      notAfter: date(field('notAfter')),
      fingerprint: (fields.find((f) => /Fingerprint=/.test(f))?.split('=')[1] ?? '').toLowerCase(),
      issuer: field('issuer'),
    });
  }
  return held;
}

/** Where a held certificate is, said as a kops operator would: `peers/me.crt on the volume`, `served on :2380 (etcd peers)`. */
export function describeWhere(where: string): string {
  const port = /^port (\d+)$/.exec(where);
  if (port) {
    const what =
      { [MASTER_PORTS.peer]: 'etcd peers', [MASTER_PORTS.client]: 'etcd clients', [MASTER_PORTS.grpc]: 'etcd-manager gRPC' }[Number(port[1])] ??
      'unknown';
    return `served on :${port[1]} (${what})`;
  }
  const file = /^file (.*)$/.exec(where)?.[1] ?? where;
  const onVolume = /\/pki\/[^/]+\/(peers|clients)\/([^/]+)$/.exec(file);
  if (onVolume) return `${onVolume[1]}/${onVolume[2]} on the volume`;
  return `${file.split('/').pop()} in --pki-dir`;
}

/**
 * The masters' probes: kube-apiserver's /readyz/etcd and `kubectl get cs`,
 * etcdctl's raft view, and what each master holds and serves (a certificate
 * record each time one appears or changes, and every one again after each step).
 */
export function masterProbes(clusters: EtcdClusterSetup[], version: (node: string) => EtcdManagerVersion | undefined): Probe[] {
  const members = new Map(clusters.flatMap((c) => c.members.map((m) => [m.name, m] as const)));
  /** The fingerprint last recorded at each place (node and file or port). */
  const recorded = new Map<string, string>();
  /**
   * Each place, with the step count when it was last recorded: every place is
   * recorded once more by the first read sent after each step ends (a read
   * already under way then counts for the step before).
   */
  const stated = new Map<string, number>();
  let steps = 0;
  return [
    { name: 'apiserver', sample: async (node, access) => [await readyzView(node, access)] },
    // Its answer can take kube-apiserver's 20 s etcd dial: it does not pace the observation windows.
    // Overlapping: with etcd unreachable each answer waits out that dial, and one at a time would give a sample per 20 s.
    { name: 'componentstatus', sample: async (node, access) => [await componentstatusView(node, access)], background: true, maxInFlight: 3 },
    { name: 'etcdctl', sample: async (node, access) => [await etcdctlView(node, access)] },
    {
      name: 'certificates',
      background: true,
      afterStep: () => {
        steps += 1;
      },
      sample: async (node, access) => {
        const epoch = steps;
        const member = members.get(node)!;
        const result = await access.exec(['sh', '-c', HELD_AND_SERVED(member)]).catch(() => undefined);
        if (!result) return [];
        const records: Omit<CertificateRecord, 't'>[] = [];
        const now = parseHeld(result.stdout);
        // A port that stops presenting (etcd restarting) is stated again when it presents again, changed or not.
        for (const key of [...stated.keys()])
          if (key.startsWith(`${node}\0port `) && !now.some((h) => key === `${node}\0${h.where}`)) stated.delete(key);
        for (const held of now) {
          const key = `${node}\0${held.where}`;
          if ((stated.get(key) ?? -1) >= epoch && recorded.get(key) === held.fingerprint) continue;
          const unchanged = recorded.get(key) === held.fingerprint;
          recorded.set(key, held.fingerprint);
          stated.set(key, epoch);
          const where = describeWhere(held.where);
          records.push({
            kind: 'certificate',
            node,
            name: `${node} ${where}`,
            role: where,
            madeBy: where.startsWith('served') ? `${node}'s TLS server` : `etcd-manager ${version(node) ?? ''}`.trim(),
            serial: held.serial,
            notBefore: held.notBefore,
            notAfter: held.notAfter,
            fingerprint: held.fingerprint,
            issuer: held.issuer,
            source: where.startsWith('served') ? 'served' : 'held',
            ...(unchanged ? { unchanged: true as const } : {}),
          });
        }
        return records;
      },
    },
  ];
}
