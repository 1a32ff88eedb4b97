import { classifyTlsFailure, type LogFinding } from '../api.js';

// The node script's lines: "<node time> toy: <message>".
const LINE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) toy: (.*)$/;

/**
 * Its TLS failures, by who judged whom: this node rejected the peer's
 * certificate (it generated the alert), or the peer rejected this node's (it
 * received one). openssl's own words follow the colon: "certificate has
 * expired" from its verifier, "sslv3 alert certificate expired" for an alert.
 */
const ALERTS: [RegExp, 'client' | 'server', 'generated' | 'received'][] = [
  [/^client: rejected the certificate of \S+: /, 'client', 'generated'],
  [/^client: \S+ rejected our certificate: /, 'client', 'received'],
  [/^server: rejected the client certificate of .+: /, 'server', 'generated'],
  [/^server: \S+ rejected our certificate: /, 'server', 'received'],
];

const EVENTS: [RegExp, string][] = [
  [/^node \S+ listening on /, 'ready'],
  [/^client: (connected to|lost) /, 'membership'],
  [/^client: cannot reach |^server: a connection on the port for \S+ failed: /, 'peer'],
  [/^server: openssl s_server for \S+ exited/, 'start'],
];

/** A TLS failure or another notable event in a toy node's log line, or null. */
export function classifyToyLogLine(line: string): LogFinding | null {
  const parsed = LINE.exec(line.trim());
  if (!parsed) return null;
  const nodeTime = new Date(parsed[1]!).toISOString();
  const message = parsed[2]!;
  for (const [pattern, side, direction] of ALERTS) {
    if (pattern.test(message)) return { kind: 'alert', class: classifyTlsFailure(message), text: line.trim(), side, direction, nodeTime };
  }
  for (const [pattern, topic] of EVENTS) {
    if (pattern.test(message)) return { kind: 'log', topic, text: line.trim(), nodeTime };
  }
  return null;
}
