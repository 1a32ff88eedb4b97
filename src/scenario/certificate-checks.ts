import { sampleInWindow, type TimelineQuery, type Window } from '../observe/query.js';
import type { CertificateRecord } from '../observe/records.js';
import type { ExpectationResult } from './types.js';
import { fail, pass, unknown } from './verdict.js';

/**
 * Expectations about what a kops master holds and serves, read from the
 * certificate records its certificates probe leaves (workload/etcd/manager/master.ts):
 * one each time a file or a port's certificate appears or changes, and one
 * for each again (marked unchanged) after every step.
 */

const DAY_MS = 86_400_000;

/**
 * Every read of these members' certificates at a place whose role starts
 * with `where` (a file such as `peers/me.crt`, or `served on :2380`), sent in
 * the window: changes and restatements alike.
 */
export function certificateReads(q: TimelineQuery, nodes: readonly string[], window: Window, where: string): CertificateRecord[] {
  return q.records.filter(
    (r): r is CertificateRecord => r.kind === 'certificate' && nodes.includes(r.node) && r.role.startsWith(where) && sampleInWindow(r, window),
  );
}

/** The reads in the window that found a certificate new at its place (first seen, or changed). */
export function certificateRecords(q: TimelineQuery, nodes: readonly string[], window: Window, where: string): CertificateRecord[] {
  return certificateReads(q, nodes, window, where).filter((r) => !r.unchanged);
}

/** What the node held (or served) at `where` as last read at or before `t`: the record in force then. */
export function certificateInForce(q: TimelineQuery, node: string, where: string, t?: string): CertificateRecord | undefined {
  return certificateReads(q, [node], { before: t }, where).at(-1);
}

/**
 * Each member holds a new certificate at `file` in the window, valid for
 * `days` days from when it appeared by the member's clock (`aheadMs` ahead
 * of real time), within a day: read in the window, or read by a probe sent
 * just before it whose certificate's dates say it was made in it. A member
 * whose files were never read in the window cannot be judged.
 */
export function newCertificateFor(
  q: TimelineQuery,
  nodes: readonly string[],
  file: string,
  { window, days, aheadMs = 0, label }: { window: Window; days: number; aheadMs?: number; label: string },
): ExpectationResult {
  const evidence: CertificateRecord[] = [];
  const lifetimes: string[] = [];
  const unread: string[] = [];
  // When a certificate was made, from its own dates: a read sent just before the window opened may answer after
  // the certificate was rewritten (the probe's script starts late on a busy host), and still show one made in it.
  const madeAt = (r: CertificateRecord) => Date.parse(r.notAfter) - days * DAY_MS - aheadMs;
  const madeInWindow = (r: CertificateRecord) =>
    window.after !== undefined && madeAt(r) >= Date.parse(window.after) - 1000 && Date.parse(r.t) > Date.parse(window.after);
  for (const node of nodes) {
    const record =
      certificateRecords(q, [node], window, file).at(0) ?? certificateRecords(q, [node], { before: window.before }, file).find(madeInWindow);
    if (!record) {
      if (certificateReads(q, [node], window, file).length === 0) {
        unread.push(node);
        continue;
      }
      return fail(
        `${node} holds no new ${file} ${label}: it still holds the one valid to ${certificateInForce(q, node, file, window.before)!.notAfter}`,
        [certificateInForce(q, node, file, window.before)!],
      );
    }
    const leftDays = (Date.parse(record.notAfter) - (Date.parse(record.t) + aheadMs)) / DAY_MS;
    if (Math.abs(leftDays - days) > 1)
      return fail(`${node}'s new ${file} is valid ${leftDays.toFixed(1)} days from its clock, not ${days}`, [record]);
    evidence.push(record);
    lifetimes.push(`${node} to ${record.notAfter.slice(0, 10)}`);
  }
  if (unread.length)
    return unknown(`${unread.join(', ')}: ${file} was never read ${label} (the probe's reads failed or found no such file)`, evidence);
  return pass(`each member holds a new ${file} ${label}, valid ${days} days by its clock (${lifetimes.join(', ')})`, evidence);
}

/**
 * No member's `file` changed in the window: what it held, it still holds.
 * Each member's certificate is the one in force at the window's end; a
 * member whose file was never read in the window cannot be judged.
 */
export function noNewCertificate(
  q: TimelineQuery,
  nodes: readonly string[],
  file: string,
  { window, label }: { window: Window; label: string },
): ExpectationResult {
  const changed = certificateRecords(q, nodes, window, file);
  // Also a change no read sent in the window saw as one: the read that found it was sent just before the window opened.
  for (const node of nodes) {
    const before = window.after === undefined ? undefined : certificateInForce(q, node, file, window.after);
    const end = certificateReads(q, [node], window, file).at(-1);
    if (before && end && before.fingerprint !== end.fingerprint && !changed.some((r) => r.node === node)) changed.push(end);
  }
  if (changed.length)
    return fail(
      `${[...new Set(changed.map((r) => r.node))].join(', ')} got a new ${file} ${label} (valid to ${changed[0]!.notAfter})`,
      changed.slice(0, 3),
    );
  const unread = nodes.filter((n) => certificateReads(q, [n], window, file).length === 0);
  if (unread.length) return unknown(`${unread.join(', ')}: ${file} was never read ${label} (the probe's reads failed or found no such file)`, []);
  const held = nodes.map((n) => certificateInForce(q, n, file, window.before)!);
  return pass(
    `no member's ${file} changed ${label}: each still holds the one it had (${held.map((r) => `${r.node} valid to ${r.notAfter}`).join(', ')})`,
    held,
  );
}
