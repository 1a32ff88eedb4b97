import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AlertRecord, LogRecord, StateRecord, TimelineRecord } from './records.js';

/** A record before the timeline stamps it with the real time. */
export type Unstamped = TimelineRecord extends infer R ? (R extends TimelineRecord ? Omit<R, 't'> : never) : never;

/** Repeats of one alert line within this long of its first are folded into one record that counts them. */
const FOLD_MS = 1000;

interface Fold {
  since: number;
  /** Lines folded since the recorded one. */
  count: number;
  last?: Omit<AlertRecord, 't'> | Omit<LogRecord, 't'>;
  timer?: NodeJS.Timeout;
}

/**
 * The run's record of what happened, in order, written to JSONL as it goes
 * so an interrupted run still leaves its evidence behind. A node that logs
 * the same line many times a second (etcd retrying its peers) leaves
 * its first line as it came and, at most a second later, one record of the
 * last with `repeats` counting the lines it stands for; steps and the run's
 * end close every fold first, so no line crosses a step.
 */
export class Timeline {
  private readonly items: TimelineRecord[] = [];
  private readonly listeners: ((record: TimelineRecord) => void)[] = [];
  private readonly folds = new Map<string, Fold>();

  constructor(private readonly file?: string) {
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '');
    }
  }

  add<R extends TimelineRecord = TimelineRecord>(record: Unstamped): R {
    if (record.kind === 'step' || record.kind === 'run') this.closeFolds();
    if (record.kind === 'alert' || record.kind === 'log') {
      const key = foldKey(record);
      const fold = this.folds.get(key);
      if (fold && Date.now() - fold.since < FOLD_MS) {
        fold.count += 1;
        fold.last = record;
        fold.timer ??= setTimeout(() => this.closeFold(key), fold.since + FOLD_MS - Date.now()).unref();
        return { t: new Date().toISOString(), ...record } as unknown as R;
      }
      if (fold) this.closeFold(key);
      this.folds.set(key, { since: Date.now(), count: 0 });
    }
    return this.append<R>(record);
  }

  /** Records the lines folded into one alert's window, if any. */
  private closeFold(key: string): void {
    const fold = this.folds.get(key);
    if (!fold) return;
    clearTimeout(fold.timer);
    this.folds.delete(key);
    if (fold.last) this.append({ ...fold.last, ...(fold.count > 1 ? { repeats: fold.count - 1 } : {}) });
  }

  private closeFolds(): void {
    for (const key of [...this.folds.keys()]) this.closeFold(key);
  }

  private append<R extends TimelineRecord>(record: Unstamped): R {
    const stamped = { t: new Date().toISOString(), ...record } as unknown as R;
    this.items.push(stamped);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(stamped)}\n`);
    for (const listener of this.listeners) listener(stamped);
    return stamped;
  }

  onRecord(listener: (record: TimelineRecord) => void): void {
    this.listeners.push(listener);
  }

  get records(): readonly TimelineRecord[] {
    return this.items;
  }
}

/** One line and its repeats: the same node, kind, class or topic, connection and words, whatever numbers (times, ports, ids) differ. */
function foldKey(line: Omit<AlertRecord, 't'> | Omit<LogRecord, 't'>): string {
  const words = line.text.replace(/[0-9a-f]{8,}/g, 'H').replace(/\d+/g, 'N');
  const what = line.kind === 'alert' ? [line.class, line.channel ?? '', line.side ?? '', line.direction ?? ''] : [line.topic];
  return [line.node, line.kind, ...what, words].join('\0');
}

/** A timeline.jsonl file, or one gzipped (`.gz`, as recorded runs are kept). */
export async function readTimeline(path: string): Promise<TimelineRecord[]> {
  const bytes = await readFile(path);
  return parseTimeline((path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
}

export function parseTimeline(jsonl: string): TimelineRecord[] {
  return jsonl
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => liftSample(JSON.parse(line) as Record<string, unknown>));
}

/**
 * Timelines recorded before every workload shared one state record had two
 * kinds of sample: `membership` (up, sees) and `health` (view, healthy), with
 * the workload's own fields beside them. They read as state records, the
 * workload's fields as its attributes.
 */
const OLD_SAMPLE_FIELDS = new Set(['t', 'sentAt', 'kind', 'node', 'view', 'viewLabel', 'up', 'healthy', 'sees', 'noAnswer', 'nodeTime', 'error']);

function liftSample(old: Record<string, unknown>): TimelineRecord {
  if (old.kind !== 'membership' && old.kind !== 'health') return old as unknown as TimelineRecord;
  const attributes = Object.fromEntries(Object.entries(old).filter(([field]) => !OLD_SAMPLE_FIELDS.has(field))) as StateRecord['attributes'];
  const lifted: StateRecord = {
    t: old.t as string,
    ...(old.sentAt === undefined ? {} : { sentAt: old.sentAt as string }),
    kind: 'state',
    node: old.node as string,
    view: old.kind === 'membership' ? 'membership' : (old.view as string),
    ...(old.viewLabel === undefined ? {} : { viewLabel: old.viewLabel as string }),
    ok: Boolean(old.kind === 'membership' ? old.up : old.healthy),
    ...(old.noAnswer ? { noAnswer: true as const } : {}),
    ...(old.kind === 'membership' ? { peers: (old.sees as string[] | undefined) ?? [] } : {}),
    ...(old.nodeTime === undefined ? {} : { nodeTime: old.nodeTime as string }),
    ...(old.error === undefined ? {} : { error: old.error as string }),
    ...(attributes && Object.keys(attributes).length ? { attributes } : {}),
  };
  return lifted;
}
