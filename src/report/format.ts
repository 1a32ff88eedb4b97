import type { AttributeValue, CertificateRecord, CertificateRequestRecord, StateRecord, TimelineRecord } from '../observe/records.js';
import type { AttributeDescriptions } from '../workload/workload.js';

/** `03:10:43.397` — the time of day of a real-time stamp, UTC. */
export function realTime(iso: string): string {
  return iso.slice(11, 23);
}

/** `2026-12-24 03:10:43` — a node's (possibly faked) clock reading, UTC. */
export function nodeTime(iso: string | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

export function utc(date: Date | string): string {
  const iso = typeof date === 'string' ? date : date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function seconds(fromIso: string, toIso: string): string {
  return `${((Date.parse(toIso) - Date.parse(fromIso)) / 1000).toFixed(1)} s`;
}

/** Text safe inside a markdown table cell. */
/** "2 cores", "1.5 cores", "1 core". */
export function formatCores(cores: number): string {
  const rounded = Math.round(cores * 100) / 100;
  return `${rounded} core${rounded === 1 ? '' : 's'}`;
}

export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Verbatim text as inline code, whatever backticks it holds. */
export function code(text: string): string {
  const fence = text.includes('`') ? '`` ' : '`';
  const close = text.includes('`') ? ' ``' : '`';
  return `${fence}${text}${close}`;
}

export function seesText(sees: string[]): string {
  return sees.length === 0 ? 'nobody' : sees.join(', ');
}

/** One line of evidence for a timeline record: when (real and node time), who, what. */
export function describeRecord(record: TimelineRecord, attributes?: AttributeDescriptions): string {
  const when = `${code(realTime(record.t))}`;
  switch (record.kind) {
    case 'state':
      if (record.peers === undefined) return `${when} ${record.node} ${record.viewLabel ?? record.view}: ${stateText(record, attributes)}`;
      return record.ok
        ? `${when} ${record.node} (its clock ${nodeTime(record.nodeTime)}) sees ${seesText(record.peers)}`
        : record.noAnswer
          ? `${when} ${record.node}: the probe got no answer (${record.error ?? 'deadline passed'}); the harness cannot tell why`
          : `${when} ${record.node} is down: ${record.error ?? 'not running'}`;
    case 'alert':
      return `${when} ${record.node} (its clock ${nodeTime(record.nodeTime)}) logged ${record.class}: ${code(record.text)}`;
    case 'step':
      return `${when} step ${record.id}: ${record.title}${record.outcome ? ` (${record.outcome})` : ''}`;
    case 'clock':
      return `${when} ${record.node}'s clock set to ${record.spec}${record.shownOffsetSeconds === undefined ? '' : `; it then showed ${record.shownOffsetSeconds.toFixed(1)} s from real time`}`;
    case 'run':
      return `${when} run ${record.event}`;
    case 'log':
      return `${when} ${record.node} (its clock ${nodeTime(record.nodeTime)}) logged: ${code(record.text)}`;
    case 'metrics':
      return `${when} ${record.node} (its clock ${nodeTime(record.nodeTime)}) exported ${Object.entries(record.values)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`;
    case 'versions':
      return `${when} versions: ${Object.entries(record.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`;
    case 'certificate':
      return `${when} ${certificateText(record, utc)}`;
    case 'certificateRequest':
      return `${when} ${certificateRequestText(record, utc)}`;
  }
}

/** A CertificateRequest in one line: who asked whom, what came of it, from which CA, and whether the Issuer said Ready. */
export function certificateRequestText(record: Omit<CertificateRequestRecord, 't' | 'kind'>, date: (iso: string) => string = (iso) => iso): string {
  const answer =
    record.notBefore && record.notAfter
      ? `: certificate valid ${date(record.notBefore)} to ${date(record.notAfter)}${record.signingCa ? `, signed by CA ${record.signingCa}${record.signingCaNotAfter ? ` (valid to ${date(record.signingCaNotAfter)})` : ''}` : ''}`
      : record.message
        ? `: ${record.message}`
        : '';
  const issuer = record.issuerReady ? `; Issuer ${record.issuer} Ready ${record.issuerReady}` : '';
  return `${record.node} requested a certificate of Issuer ${record.issuer} (${record.name}): ${record.state}${answer}${issuer}`;
}

/**
 * A certificate record in one line: one a member serves on a port, one it
 * holds in a file (both read from the node), or one certdrill put there.
 */
export function certificateText(record: Omit<CertificateRecord, 't' | 'kind'>, date: (iso: string) => string = (iso) => iso): string {
  const valid = `valid ${date(record.notBefore)} to ${date(record.notAfter)}`;
  const what = `serial ${record.serial}${record.issuer ? `, issuer ${record.issuer}` : ''}, ${valid}${record.fingerprint ? `, sha256 ${record.fingerprint.replace(/:/g, '').slice(0, 16)}` : ''}`;
  if (record.source === 'served') return `${record.node} ${record.role}: ${what}`;
  if (record.source === 'held') return `${record.node} holds ${record.role} (by ${record.madeBy}): ${what}`;
  return `${record.node}: ${record.role} issued by ${record.madeBy}, ${valid}`;
}

/**
 * A state sample in a few words. A view that lists peers (the node's own):
 * `sees a, b`, `down`, `no answer`. A client's view: `Healthy (leader a,
 * term 2)`, `Unhealthy: certificate has expired`, `No answer: ...`, with the
 * attributes the workload describes in brackets.
 */
export function stateText(
  record: Pick<StateRecord, 'ok' | 'error' | 'noAnswer' | 'peers' | 'attributes'>,
  attributes?: AttributeDescriptions,
): string {
  if (record.peers !== undefined) return record.ok ? `sees ${seesText(record.peers)}` : record.noAnswer ? 'no answer' : 'down';
  const detail = attributeText(record, attributes);
  if (record.ok) return `Healthy${detail ? ` (${detail})` : ''}`;
  if (record.noAnswer) return `No answer: ${record.error ?? 'the deadline passed'}`;
  return `Unhealthy: ${record.error ?? 'no answer'}${detail ? ` (${detail})` : ''}`;
}

/** The sample's attributes the workload describes, in its order: `leader a, term 2`; only those that make its state with `stateOnly`. */
export function attributeText(record: Pick<StateRecord, 'attributes'>, attributes: AttributeDescriptions = {}, stateOnly = false): string {
  return Object.entries(attributes)
    .filter(([name, description]) => record.attributes?.[name] !== undefined && (!stateOnly || description.state))
    .map(([name, description]) => `${description.label} ${valueText(record.attributes![name]!)}`)
    .join(', ');
}

function valueText(value: AttributeValue): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}
