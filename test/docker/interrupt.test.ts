import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ctrlC, npmScenario, pidsUnder, shellStatus, untilOutput } from '../support/cli.js';
import { certdrillLeftovers, NOTHING_LEFT } from '../support/leftovers.js';

/**
 * One Ctrl-C, sent as a terminal sends it: SIGINT to the whole process group
 * of `npm run scenario` (npm, its shell, certdrill and any child such as
 * openssl), with npm passing it on as well.
 */
describe('one Ctrl-C to the process group of npm run scenario', () => {
  it.each([
    // openssl, under faketime, is forging the incident's certificates.
    ['set-up', 'etcd-peer-certs-expired', /scenario etcd-peer-certs-expired: /, 0],
    // The containers are being created and waited for.
    ['start', 'erlang-ca-expiry', /starting 3 erlang nodes/, 0],
    ['observation', 'erlang-ca-expiry', /observing 2-6 s/, 1_000],
    // node3's old container is gone and its new one is starting.
    ['restart', 'erlang-ca-expiry', /node3 down/, 0],
  ])('during %s (%s) removes everything the run made and exits 130', async (_point, scenario, when, extraMs) => {
    const out = await mkdtemp(join(tmpdir(), 'certdrill-ctrl-c-'));
    const child = npmScenario([scenario, '--out', out]);
    await untilOutput(child, when);
    if (extraMs) await new Promise((resolve) => setTimeout(resolve, extraMs));
    const pids = pidsUnder(child);
    ctrlC(child);
    const run = await child;
    expect(run.all).toContain('SIGINT: stopping and removing what this run made');
    expect(run.all).not.toContain('leaving now');
    expect(run.all).not.toMatch(/unexpected error|\n\s+at /);
    expect(
      run
        .all!.split('\n')
        .filter((l) => l.trim())
        .at(-1),
    ).toMatch(/interrupted/);
    expect(shellStatus(run)).toBe(130);
    expect(await certdrillLeftovers('docker', { pids })).toEqual(NOTHING_LEFT.docker);
  });
});
