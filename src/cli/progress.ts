import type { TimelineRecord } from '../observe/records.js';
import { certificateText } from '../report/format.js';

/**
 * Live progress on stderr: the harness's own steps, every membership change
 * and the first TLS alert of each kind per node, each with the seconds since
 * the start.
 */
export function progressPrinter(write: (text: string) => void = (t) => process.stderr.write(t)) {
  const started = Date.now();
  const lastSeen = new Map<string, string>();
  const alertsSeen = new Map<string, number>();
  const stamp = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
  const line = (text: string) => write(`${stamp()} ${text}\n`);

  const record = (r: TimelineRecord) => {
    if (r.kind === 'membership') {
      const state = r.up ? `sees ${r.sees.join(', ') || 'nobody'}` : r.noAnswer ? `no answer (${r.error})` : 'down';
      if (lastSeen.get(r.node) !== state) {
        lastSeen.set(r.node, state);
        line(`${r.node} ${state}`);
      }
    } else if (r.kind === 'health') {
      const view = r.viewLabel ?? r.view;
      const state = r.healthy ? `Healthy${r.leader ? ` (leader ${r.leader})` : ''}` : r.noAnswer ? `no answer: ${r.error}` : `Unhealthy: ${r.error ?? 'no reason given'}`;
      if (lastSeen.get(`${r.node} ${view}`) !== state) {
        lastSeen.set(`${r.node} ${view}`, state);
        line(`${r.node} ${view}: ${state}`);
      }
    } else if (r.kind === 'certificate') {
      if (!r.unchanged) line(certificateText(r));
    } else if (r.kind === 'alert') {
      const key = `${r.node} ${r.class} ${r.side ?? ''} ${r.direction ?? ''}`;
      const count = (alertsSeen.get(key) ?? 0) + 1;
      alertsSeen.set(key, count);
      if (count === 1) line(`${r.node} TLS alert (${r.class}): ${r.text}`);
    }
  };
  return { line, record };
}
