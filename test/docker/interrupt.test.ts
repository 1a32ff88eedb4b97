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
    ['set-up', 'etcd-peer-certs-expired', /scenario etcd-peer-certs-expired: /, 0, /step /],
    // The containers are being created and waited for.
    ['start', 'erlang-ca-expiry', /starting 3 erlang nodes/, 0, /step /],
    ['observation', 'erlang-ca-expiry', /observing 2-6 s/, 1_000, /step observe-1/],
    // node3's old container is being removed and its new one started. (Its
    // "down" sample is no signal: the probe may not land in the gap.)
    ['restart', 'erlang-ca-expiry', /restarting node3/, 200, /step restart-node3/],
  ])('during %s (%s) removes everything the run made and exits 130', async (_point, scenario, when, extraMs, notYet) => {
    const out = await mkdtemp(join(tmpdir(), 'certdrill-ctrl-c-'));
    const child = npmScenario([scenario, '--out', out]);
    await untilOutput(child, when);
    if (extraMs) await new Promise((resolve) => setTimeout(resolve, extraMs));
    const pids = pidsUnder(child);
    ctrlC(child);
    const run = await child;
    expect(run.all).toContain('SIGINT: stopping and removing what this run made');
    // The interrupt landed in the phase it names: that phase never finished.
    expect(run.all).not.toMatch(notYet);
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
