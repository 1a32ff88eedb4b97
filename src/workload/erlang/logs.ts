import type { ClassifiedAlert, LogFinding } from '../../observe/records.js';
import { classifyTlsFailure } from '../tls-alert-class.js';

// erlang-app's logger writes one line per event: "<node time> <level> <message>".
const LINE = /^(\d{4}-\d{2}-\d{2}T\S+)\s+\S+\s+(.*)$/;
// OTP ssl: "TLS server: In state certify received CLIENT ALERT: Fatal - Certificate Expired"
const ALERT = /TLS (server|client):.*\b(received|generated) (?:CLIENT|SERVER) ALERT/;

/** A TLS alert from an erlang-app log line, or null. */
export function classifyErlangLogLine(line: string): LogFinding | null {
  const alert = erlangAlert(line);
  if (alert) return { kind: 'alert', ...alert };
  for (const [pattern, topic] of EVENTS) {
    if (pattern.test(line)) {
      const stamped = LINE.exec(line);
      return { kind: 'log', topic, text: line.trim(), ...(stamped ? { nodeTime: normaliseTime(stamped[1]!) } : {}) };
    }
  }
  return null;
}

const EVENTS: [RegExp, string][] = [
  [/^certdrill preflight: /, 'preflight'],
  [/certdrill: node(up|down) /, 'membership'],
  [/certdrill: start failed/, 'start'],
];

export function erlangAlert(line: string): ClassifiedAlert | null {
  const alert = ALERT.exec(line);
  const isCertFailure = /hostname_check_failed|\{bad_cert,/.test(line);
  if (!alert && !isCertFailure) return null;
  const stamped = LINE.exec(line);
  const result: ClassifiedAlert = { class: classifyTlsFailure(line), text: line.trim() };
  if (alert) {
    result.side = alert[1] as 'server' | 'client';
    result.direction = alert[2] as 'received' | 'generated';
  }
  if (stamped) result.nodeTime = normaliseTime(stamped[1]!);
  return result;
}

function normaliseTime(text: string): string {
  const parsed = new Date(text);
  return Number.isNaN(parsed.getTime()) ? text : parsed.toISOString();
}
