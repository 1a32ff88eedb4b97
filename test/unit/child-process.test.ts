import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { endingChildrenOnAbort, runChild } from '../../src/util/child-process.js';

const groupOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
};

describe('runChild', () => {
  it("starts the child in a process group of its own, out of reach of a Ctrl-C to certdrill's group", async () => {
    const child = runChild('sleep', ['5'], { reject: false });
    expect(groupOf(child.pid!)).toBe(child.pid);
    expect(groupOf(child.pid!)).not.toBe(groupOf(process.pid));
    child.kill();
    await child;
  });

  it("ends the child's whole group when the signal aborts", async () => {
    const abort = new AbortController();
    // sh stays as the parent of sleep: both must go.
    const child = runChild('sh', ['-c', 'sleep 30; true'], { reject: false, signal: abort.signal });
    const started = Date.now();
    setTimeout(() => abort.abort(), 200);
    const result = await child;
    expect(result.signal).toBe('SIGTERM');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('ends children started inside endingChildrenOnAbort when its signal aborts, with no signal passed', async () => {
    const abort = new AbortController();
    const work = endingChildrenOnAbort(abort.signal, async () => runChild('sleep', ['30'], { reject: false }));
    setTimeout(() => abort.abort(), 200);
    expect((await work).signal).toBe('SIGTERM');
  });
});
