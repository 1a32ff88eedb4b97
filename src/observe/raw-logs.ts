import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RawLogLimits {
  /** Bytes of a node's log written as they come. */
  headBytes: number;
  /** Bytes of its end kept past that, written by close(). */
  tailBytes: number;
}

/** Enough for a kops master's start and its first refusals, and for its last minutes. */
export const RAW_LOG_LIMITS: RawLogLimits = { headBytes: 256 * 1024, tailBytes: 768 * 1024 };

/**
 * Each node's raw log, one file per node across restarts. Members refusing
 * each other log the same line thousands of times (a kops master wrote 2 MB
 * in three minutes), so a log is kept whole up to `headBytes`, and past that
 * only its last `tailBytes`, written by close() after a line that says how
 * much was left out: a file a reader can open, with the start and the end of
 * the run. The timeline has every classified line either way.
 */
export class RawLogs {
  private readonly written = new Map<string, number>();
  private readonly tails = new Map<string, { lines: string[]; bytes: number; dropped: number; droppedBytes: number }>();

  constructor(
    private readonly dir: string,
    private readonly limits: RawLogLimits = RAW_LOG_LIMITS,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  write(node: string, line: string): void {
    const text = `${line}\n`;
    const size = Buffer.byteLength(text);
    const written = this.written.get(node);
    // A run's own log: a file left by an earlier run into the same folder is replaced, not added to.
    if (written === undefined) writeFileSync(this.path(node), '');
    if ((written ?? 0) + size <= this.limits.headBytes && !this.tails.has(node)) {
      appendFileSync(this.path(node), text);
      this.written.set(node, (written ?? 0) + size);
      return;
    }
    this.written.set(node, written ?? 0);
    const tail = this.tails.get(node) ?? { lines: [], bytes: 0, dropped: 0, droppedBytes: 0 };
    this.tails.set(node, tail);
    tail.lines.push(text);
    tail.bytes += size;
    while (tail.bytes > this.limits.tailBytes && tail.lines.length > 1) {
      const gone = tail.lines.shift()!;
      const goneSize = Buffer.byteLength(gone);
      tail.bytes -= goneSize;
      tail.dropped += 1;
      tail.droppedBytes += goneSize;
    }
  }

  /** Writes each cut log's end, after the line that says what was left out. */
  close(): void {
    for (const [node, tail] of this.tails) {
      const cut = tail.dropped
        ? `certdrill: ${tail.dropped} line(s) (${Math.round(tail.droppedBytes / 1024)} KiB) of this log left out here; timeline.jsonl has every line certdrill classified\n`
        : '';
      appendFileSync(this.path(node), cut + tail.lines.join(''));
    }
    this.tails.clear();
  }

  private path(node: string): string {
    return join(this.dir, `${node}.log`);
  }
}
