import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TimelineRecord } from './records.js';

/** A record before the timeline stamps it with the real time. */
export type Unstamped = TimelineRecord extends infer R ? (R extends TimelineRecord ? Omit<R, 't'> : never) : never;

/**
 * The run's record of what happened, in order, written to JSONL as it goes
 * so an interrupted run still leaves its evidence behind.
 */
export class Timeline {
  private readonly items: TimelineRecord[] = [];
  private readonly listeners: ((record: TimelineRecord) => void)[] = [];

  constructor(private readonly file?: string) {
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '');
    }
  }

  add<R extends TimelineRecord = TimelineRecord>(record: Unstamped): R {
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

export function parseTimeline(jsonl: string): TimelineRecord[] {
  return jsonl
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TimelineRecord);
}
