import type { LogFinding } from '../../observe/records.js';
import { classifyTlsFailure } from '../tls-alert-class.js';

// etcd 3.4 (capnslog): "2026-11-23 03:31:27.100106 I | embed: rejected connection from ..."
const CAPNSLOG = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) [A-Z] \| (.*)$/;
// etcd's raft package through Go's log: "raft2026/11/23 03:30:52 INFO: ... became leader at term 2"
const RAFT = /^raft(\d{4})\/(\d{2})\/(\d{2}) (\d{2}:\d{2}:\d{2}) \w+: (.*)$/;

const TLS_FAILURE = /rejected connection from|x509:|tls: |remote error/;
// A connection closed before it sent a byte of TLS: a port check (kubelet's readiness probe, a wait for the port), not a TLS failure.
const PORT_CHECK = /rejected connection from "[^"]*" \(error "EOF", ServerName ""\)/;
const TOPICS: [RegExp, string][] = [
  [/etcd Version:/, 'start'],
  [/became leader|elected leader|lost leader|no leader|became candidate|became follower at term [1-9]/, 'leader'],
  [/peer \S+ became (in)?active|lost TCP streaming connection|lost the TCP streaming connection/, 'peer'],
  [/ready to serve client requests/, 'ready'],
];

/** A TLS failure or a notable event (leader, peers, readiness) in an etcd log line, or null. */
export function classifyEtcdLogLine(line: string): LogFinding | null {
  const parsed = parse(line);
  if (!parsed) return null;
  const { message, nodeTime } = parsed;
  if (TLS_FAILURE.test(message) && !PORT_CHECK.test(message)) {
    return { kind: 'alert', class: classifyTlsFailure(message), text: line.trim(), ...(nodeTime ? { nodeTime } : {}) };
  }
  for (const [pattern, topic] of TOPICS) {
    if (pattern.test(message)) return { kind: 'log', topic, text: line.trim(), ...(nodeTime ? { nodeTime } : {}) };
  }
  return null;
}

function parse(line: string): { message: string; nodeTime?: string } | null {
  const capns = CAPNSLOG.exec(line);
  if (capns) return { message: capns[2]!, nodeTime: iso(`${capns[1]!.replace(' ', 'T')}Z`) };
  const raft = RAFT.exec(line);
  if (raft) return { message: raft[5]!, nodeTime: iso(`${raft[1]}-${raft[2]}-${raft[3]}T${raft[4]}Z`) };
  if (line.startsWith('{')) {
    // etcd 3.5+ (zap): one JSON object per line.
    try {
      const entry = JSON.parse(line) as { ts?: string; msg?: string; error?: string; 'remote-addr'?: string };
      return { message: [entry.msg, entry.error].filter(Boolean).join(': '), nodeTime: entry.ts ? iso(entry.ts) : undefined };
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
