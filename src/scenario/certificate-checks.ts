import type { TimelineQuery, Window } from '../observe/query.js';
import type { CertificateRecord } from '../observe/records.js';
import type { ExpectationResult } from './types.js';
import { fail, pass, unknown } from './verdict.js';

/**
 * Expectations about what a kops master holds and serves, read from the
 * certificate records its certificates probe leaves (./master.ts): one each
 * time a file or a port's certificate appears or changes.
 */

const DAY_MS = 86_400_000;

/** The certificate records of these members in the window, held (files) or served (ports), whose role starts with `where`. */
export function certificateRecords(q: TimelineQuery, nodes: readonly string[], window: Window, where: string): CertificateRecord[] {
  return q.records.filter(
    (r): r is CertificateRecord =>
      r.kind === 'certificate' &&
      nodes.includes(r.node) &&
      r.role.startsWith(where) &&
      (window.after === undefined || Date.parse(r.t) > Date.parse(window.after)) &&
      (window.before === undefined || Date.parse(r.t) <= Date.parse(window.before)),
  );
}

/**
 * Each member holds a new certificate at `file` in the window, valid for
 * `days` days from when it appeared by the member's clock (`aheadMs` ahead
 * of real time), within a day.
 */
export function newCertificateFor(q: TimelineQuery, nodes: readonly string[], file: string, window: Window, days: number, aheadMs: number, label: string): ExpectationResult {
  const evidence: CertificateRecord[] = [];
  const lifetimes: string[] = [];
  for (const node of nodes) {
    const record = certificateRecords(q, [node], window, file).at(0);
    if (!record) return fail(`${node} holds no new ${file} ${label}`, certificateRecords(q, [node], {}, file).slice(-1));
    const leftDays = (Date.parse(record.notAfter) - (Date.parse(record.t) + aheadMs)) / DAY_MS;
    if (Math.abs(leftDays - days) > 1) return fail(`${node}'s new ${file} is valid ${leftDays.toFixed(1)} days from its clock, not ${days}`, [record]);
    evidence.push(record);
    lifetimes.push(`${node} to ${record.notAfter.slice(0, 10)}`);
  }
  return pass(`each member holds a new ${file} ${label}, valid ${days} days by its clock (${lifetimes.join(', ')})`, evidence);
}

/** No member's `file` changed in the window: what it held, it still holds. */
export function noNewCertificate(q: TimelineQuery, nodes: readonly string[], file: string, window: Window, label: string): ExpectationResult {
  const changed = certificateRecords(q, nodes, window, file);
  if (changed.length) return fail(`${changed.map((r) => r.node).join(', ')} got a new ${file} ${label} (valid to ${changed[0]!.notAfter})`, changed.slice(0, 3));
  const held = nodes.map((n) => certificateRecords(q, [n], {}, file).at(-1));
  const missing = nodes.filter((_, i) => !held[i]);
  if (missing.length) return unknown(`${missing.join(', ')}: ${file} was never read`, []);
  return pass(`no member's ${file} changed ${label}: each still holds the one it had (valid to ${held[0]!.notAfter})`, held as CertificateRecord[]);
}
