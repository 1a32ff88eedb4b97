import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawLogs } from '../../src/observe/raw-logs.js';

describe('raw logs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certdrill-raw-logs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps a short log whole, as the lines came', async () => {
    const logs = new RawLogs(dir, { headBytes: 100, tailBytes: 100 });
    logs.write('a', 'one');
    logs.write('a', 'two');
    logs.close();
    expect(await readFile(join(dir, 'a.log'), 'utf8')).toBe('one\ntwo\n');
  });

  it('replaces a log an earlier run left in the same folder', async () => {
    const first = new RawLogs(dir, { headBytes: 100, tailBytes: 100 });
    first.write('a', 'earlier run');
    first.close();
    const second = new RawLogs(dir, { headBytes: 100, tailBytes: 100 });
    second.write('a', 'this run');
    second.close();
    expect(await readFile(join(dir, 'a.log'), 'utf8')).toBe('this run\n');
  });

  it("keeps a long log's start and end, and says how much of the middle was left out", async () => {
    const logs = new RawLogs(dir, { headBytes: 12, tailBytes: 15 });
    for (let i = 1; i <= 10; i++) logs.write('a', `line ${i}`);
    logs.write('b', 'other');
    logs.close();
    const text = await readFile(join(dir, 'a.log'), 'utf8');
    expect(text.split('\n')).toEqual([
      'line 1',
      'certdrill: 7 line(s) (0 KiB) of this log left out here; timeline.jsonl has every line certdrill classified',
      'line 9',
      'line 10',
      '',
    ]);
    expect(await readFile(join(dir, 'b.log'), 'utf8')).toBe('other\n');
  });
});
