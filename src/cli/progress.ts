import type { TimelineRecord } from '../observe/records.js';
import { attributeText, certificateRequestText, certificateText } from '../report/format.js';
import type { AttributeDescriptions } from '../workload/workload.js';

/** How often a program that keeps exiting is said to again. */
const EXIT_EVERY_MS = 30_000;

/**
 * Live progress on stderr: the harness's own steps, every change of a node's
 * state in each view (with the attributes its workload counts as state), the
 * first TLS alert of each kind per node, and a program's exits (with the line
 * before each), each with the seconds since the start.
 */
export function progressPrinter(
  write: (text: string) => void = (t) => process.stderr.write(t),
  /** A scenario run beside others: its name before each of its lines, the seconds counted from the suite's start. */
  options: { prefix?: string; started?: number } = {},
) {
  const started = options.started ?? Date.now();
  const prefix = options.prefix ? `${options.prefix}: ` : '';
  const lastSeen = new Map<string, string>();
  const alertsSeen = new Map<string, number>();
  const exits = new Map<string, { count: number; printedAt: number }>();
  const stamp = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
  const line = (text: string) => write(`${stamp()} ${prefix}${text}\n`);

  const record = (r: TimelineRecord, attributes?: AttributeDescriptions) => {
    if (r.kind === 'state' && r.peers !== undefined) {
      const state = r.ok ? `sees ${r.peers.join(', ') || 'nobody'}` : r.noAnswer ? `no answer (${r.error})` : 'down';
      if (lastSeen.get(r.node) !== state) {
        lastSeen.set(r.node, state);
        line(`${r.node} ${state}`);
      }
    } else if (r.kind === 'state') {
      const view = r.viewLabel ?? r.view;
      const detail = attributeText(r, attributes, true);
      const state = r.ok
        ? `Healthy${detail ? ` (${detail})` : ''}`
        : r.noAnswer
          ? `no answer: ${r.error}`
          : `Unhealthy: ${r.error ?? 'no reason given'}`;
      if (lastSeen.get(`${r.node} ${view}`) !== state) {
        lastSeen.set(`${r.node} ${view}`, state);
        line(`${r.node} ${view}: ${state}`);
      }
    } else if (r.kind === 'certificate') {
      if (!r.unchanged) line(certificateText(r));
    } else if (r.kind === 'certificateRequest') {
      line(certificateRequestText(r));
    } else if (r.kind === 'log' && r.topic === 'exit') {
      // A program that crash-loops: say so, with what it said last, at once and then twice a minute.
      const key = `${r.node} ${r.text}`;
      const count = (exits.get(key)?.count ?? 0) + 1 + (r.repeats ?? 0);
      const printedAt = exits.get(key)?.printedAt ?? 0;
      const print = count === 1 + (r.repeats ?? 0) || Date.now() - printedAt >= EXIT_EVERY_MS;
      exits.set(key, { count, printedAt: print ? Date.now() : printedAt });
      if (print) line(`${r.node}: ${r.text}${count > 1 ? ` (${count} times so far)` : ''}${r.lastWords ? `; the line before: ${r.lastWords}` : ''}`);
    } else if (r.kind === 'alert') {
      const key = `${r.node} ${r.class} ${r.side ?? ''} ${r.direction ?? ''}`;
      const count = (alertsSeen.get(key) ?? 0) + 1;
      alertsSeen.set(key, count);
      if (count === 1) line(`${r.node} TLS alert (${r.class}): ${r.text}`);
    }
  };
  return { line, record };
}
