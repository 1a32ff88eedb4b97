import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { kindUnavailable } from '../support/kind-available.js';
import { CLI } from '../support/cli.js';
import { certdrillLeftovers, NOTHING_LEFT } from '../support/leftovers.js';

const unavailable = kindUnavailable();

describe.skipIf(unavailable)(`interrupted runs on kind${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it("one Ctrl-C, sent to the process group as a terminal does and through npm, removes the run's namespace and volumes, and exits 130", async () => {
    const out = await mkdtemp(join(tmpdir(), 'certdrill-kind-interrupt-'));
    // A process group of its own, like a terminal's foreground job; npm passes the signal on as well.
    const child = execa('npm', ['run', '-s', 'scenario', '--', 'etcd-peer-certs-expired', '--platform', 'kind', '--out', out], {
      reject: false,
      all: true,
      detached: true,
    });
    await untilProgress(child, /etcd-\w+ (API server view|etcdctl): /);
    expect((await certdrillLeftovers('kind')).namespaces).toHaveLength(1);
    process.kill(-child.pid!, 'SIGINT');
    const run = await child;
    expect(run.all).toContain('SIGINT: stopping and removing what this run made');
    expect(run.all).not.toContain('leaving now');
    // npm passes the child's 130 on or re-raises SIGINT on itself: a shell reports 130 either way.
    expect(run.exitCode ?? (run.signal === 'SIGINT' ? 130 : run.signal)).toBe(130);
    expect(await certdrillLeftovers('kind')).toEqual(NOTHING_LEFT.kind);
  });

  it('a run killed outright (kill -9) is swept by --cleanup: its namespace and data folders go', async () => {
    const out = await mkdtemp(join(tmpdir(), 'certdrill-kind-killed-'));
    const child = execa('node', [...CLI, 'etcd-peer-certs-expired', '--platform', 'kind', '--out', out], { reject: false, all: true });
    await untilProgress(child, /etcd-\w+ (API server view|etcdctl): /);
    expect((await certdrillLeftovers('kind')).namespaces).toHaveLength(1);
    child.kill('SIGKILL');
    await child;
    const cleanup = await execa('node', [...CLI, '--cleanup', '--platform', 'kind'], { reject: false, all: true });
    expect(cleanup.exitCode).toBe(0);
    expect(cleanup.stdout).toMatch(/^removed what [1-9]\d* interrupted run\(s\) left behind$/m);
    expect(await certdrillLeftovers('kind')).toEqual(NOTHING_LEFT.kind);
  });
});

/** Resolves once the run's progress shows `pattern`. */
function untilProgress(child: { all?: NodeJS.ReadableStream }, pattern: RegExp): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the run never printed ${pattern}`)), 600_000);
    child.all!.on('data', (chunk: Buffer) => {
      if (pattern.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
