import type { LogFinding } from '../../observe/records.js';
import { classifyTlsFailure } from '../tls-alert-class.js';

// etcd 3.4 (capnslog): "2026-11-23 03:31:27.100106 I | embed: rejected connection from ..."
const CAPNSLOG = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) [A-Z] \| (.*)$/;
// etcd's raft package through Go's log: "raft2026/11/23 03:30:52 INFO: ... became leader at term 2"
const RAFT = /^raft(\d{4})\/(\d{2})\/(\d{2}) (\d{2}:\d{2}:\d{2}) \w+: (.*)$/;

// klog (etcd-manager, kube-apiserver): "I1205 14:00:00.123456       1 pki.go:39] generating peer keypair ...". No year: no node time.
const KLOG = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]]+\] (.*)$/;
/** start-master.sh prefixes kube-apiserver's lines, which share the node's log with etcd-manager's and etcd's. */
const APISERVER_PREFIX = 'kube-apiserver: ';

const TLS_FAILURE = /rejected connection from|x509:|tls: |remote error/;
// A connection closed before it sent a byte of TLS: a port check (kubelet's readiness probe, a wait for the port), not a TLS failure.
const PORT_CHECK = /rejected connection from "[^"]*" \(error "EOF", ServerName ""\)/;
const TOPICS: [RegExp, string][] = [
  [/etcd Version:/, 'start'],
  [/became leader|elected leader|lost leader|no leader|became candidate|became follower at term [1-9]/, 'leader'],
  [/peer \S+ became (in)?active|lost TCP streaming connection|lost the TCP streaming connection/, 'peer'],
  [/ready to serve client requests/, 'ready'],
];
// etcd-manager's own lines: when it issues or keeps certificates, starts etcd, leads.
const MANAGER_TOPICS: [RegExp, string][] = [
  [/generating certificate for|will regenerate|generating peer keypair|building client-serving certificate|not valid after/, 'certificate'],
  [/etcd-manager exited/, 'exit'],
  [/^etcd-manager$|starting etcd with|etcd-manager restarted/, 'start'],
  [/I am leader with token|resigning leadership/, 'leader'],
];
// kube-apiserver's: the etcd dial failing, storage not coming up, serving starting.
const APISERVER_TOPICS: [RegExp, string][] = [
  [
    /Error creating leases|failed to (create|initialize) storage|unable to (create|initialize) storage|etcd.*(deadline exceeded|connection refused)|addrConn\.createTransport failed/,
    'apiserver',
  ],
  [/kube-apiserver exited/, 'exit'],
  [/Serving securely on/, 'apiserver'],
];

/**
 * Which connection a TLS failure line of a kops master is about (an alert's
 * `channel`), so that an expectation about peers reads peer lines alone.
 */
export const ETCD_CHANNELS = {
  peer: "etcd's peer connections (:2380): its peer transport dialling, or (etcd 3.5) its peer endpoint",
  client: "a client of etcd's client port (:4001) in the node: kube-apiserver's dials, etcdctl",
  remote:
    "a connection to etcd from another master's address: a peer on :2380 or that master's etcd-manager on :4001 (etcd 3.4 does not log which port)",
  manager: "etcd-manager's own connections: its gRPC mesh (:3996) and its etcd clients",
} as const;
export type EtcdChannel = keyof typeof ETCD_CHANNELS;

/** Whether a line of a kops master's log is kube-apiserver's own (prefixed by start-master.sh), or start-master.sh's about it. */
export function isKubeApiserverLine(line: string): boolean {
  return line.startsWith(APISERVER_PREFIX) || line.startsWith('certdrill: kube-apiserver');
}

/** A TLS failure or a notable event (leader, peers, readiness) in an etcd log line, or null. */
export function classifyEtcdLogLine(line: string): LogFinding | null {
  if (isKubeApiserverLine(line))
    return classifyKlog(line.startsWith(APISERVER_PREFIX) ? line.slice(APISERVER_PREFIX.length) : line, APISERVER_TOPICS, line, 'client');
  if (KLOG.test(line) || /^etcd-manager$|^certdrill: etcd-manager/.test(line)) return classifyKlog(line, MANAGER_TOPICS, line, 'manager');
  const parsed = parse(line);
  if (!parsed) return null;
  const { message, nodeTime } = parsed;
  if (TLS_FAILURE.test(message) && !PORT_CHECK.test(message)) {
    const channel = etcdChannel(message, parsed.caller, parsed.remote);
    return {
      kind: 'alert',
      class: classifyTlsFailure(message),
      text: line.trim(),
      ...(nodeTime ? { nodeTime } : {}),
      ...(channel ? { channel } : {}),
    };
  }
  for (const [pattern, topic] of TOPICS) {
    if (pattern.test(message)) return { kind: 'log', topic, text: line.trim(), ...(nodeTime ? { nodeTime } : {}) };
  }
  return null;
}

/**
 * The connection an etcd TLS failure is about: its peer transport (rafthttp),
 * or, for a rejected connection, the endpoint etcd 3.5 names, else the
 * remote address (loopback: a client in the node).
 */
function etcdChannel(message: string, caller?: string, remote?: string): EtcdChannel | undefined {
  if (/^rafthttp: /.test(message) || caller?.startsWith('rafthttp/')) return 'peer';
  if (/^rejected connection on peer endpoint/.test(message)) return 'peer';
  if (/^rejected connection on client endpoint/.test(message)) return 'client';
  const from = remote ?? /rejected connection from "([^"]*)"/.exec(message)?.[1];
  if (from === undefined) return undefined;
  return /^(127\.|\[::1\]|localhost)/.test(from) ? 'client' : 'remote';
}

/** A klog line (or certdrill's own about the processes it restarts): a TLS failure, or one of `topics`. */
function classifyKlog(message: string, topics: [RegExp, string][], line: string, channel: EtcdChannel): LogFinding | null {
  const text = KLOG.exec(message)?.[1] ?? message;
  if (/x509:|tls: |remote error: tls/.test(text)) return { kind: 'alert', class: classifyTlsFailure(text), text: line.trim(), channel };
  for (const [pattern, topic] of topics) if (pattern.test(text)) return { kind: 'log', topic, text: line.trim() };
  return null;
}

function parse(line: string): { message: string; nodeTime?: string; caller?: string; remote?: string } | null {
  const capns = CAPNSLOG.exec(line);
  if (capns) return { message: capns[2]!, nodeTime: iso(`${capns[1]!.replace(' ', 'T')}Z`) };
  const raft = RAFT.exec(line);
  if (raft) return { message: raft[5]!, nodeTime: iso(`${raft[1]}-${raft[2]}-${raft[3]}T${raft[4]}Z`) };
  if (line.startsWith('{')) {
    // etcd 3.5+ (zap): one JSON object per line.
    try {
      const entry = JSON.parse(line) as { ts?: string; msg?: string; error?: string; caller?: string; 'remote-addr'?: string };
      return {
        message: [entry.msg, entry.error].filter(Boolean).join(': '),
        nodeTime: entry.ts ? iso(entry.ts) : undefined,
        caller: entry.caller,
        remote: entry['remote-addr'],
      };
    } catch {
      return null;
    }
  }
  return line.trim() ? { message: line } : null;
}

function iso(text: string): string | undefined {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
