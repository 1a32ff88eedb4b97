import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerPlatform } from '../../src/platform/docker/docker-platform.js';
import { erlang } from '../../src/workload/erlang/index.js';
import { byNpmScript, CLI, expectOneLine, untilOutput } from '../support/cli.js';
import { certdrillLeftovers, NOTHING_LEFT } from '../support/leftovers.js';
import { SecondEngine } from '../support/second-engine.js';

const unavailable = await SecondEngine.unavailable();

/** The Docker engine stops in the middle of a run: on an engine of the test's own, never the machine's. */
describe.skipIf(unavailable)(`the Docker engine stops in the middle of a run${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let engine: SecondEngine;
  // The machine's engine must not notice: its default bridge in particular (see SecondEngine).
  const docker0 = () => execa('ip', ['link', 'show', 'docker0'], { reject: false }).then((r) => r.exitCode === 0);
  let hadDocker0 = false;
  beforeAll(async () => {
    hadDocker0 = await docker0();
    const image = await new DockerPlatform({ runId: 'engine-gone-test' }).prepareImage(erlang.image);
    engine = await SecondEngine.create();
    await engine.start();
    await engine.loadImage(image);
  });
  afterAll(async () => {
    await engine?.remove();
    expect(await docker0()).toBe(hadDocker0);
  });

  it('the run ends within a minute saying so in one line (exit 2), writes what it saw, and the next run sweeps what was left', async () => {
    const env = { ...byNpmScript('scenario'), DOCKER_HOST: engine.host };
    const out = await mkdtemp(join(tmpdir(), 'certdrill-engine-gone-'));
    const run = execa('node', [...CLI, 'erlang-ca-expiry', '--out', out], { reject: false, all: true, env, timeout: 180_000 });
    await untilOutput(run, /node\d (sees|down)/);
    await engine.stop();
    const stoppedAt = Date.now();
    const result = await run;
    expect(Date.now() - stoppedAt).toBeLessThan(60_000);
    expect(result.exitCode).toBe(2);
    expectOneLine(
      result.stderr,
      /^the Docker engine stopped answering during the run \(connect E\w+ \S+docker\.sock\); start it again: the next run, or npm run scenario -- --cleanup, removes what this run left \(findings up to then: \S+findings\.md\)$/,
    );
    await access(join(out, 'findings.md'));

    await engine.start();
    expect((await certdrillLeftovers('docker', { host: engine.host })).containers).toHaveLength(3);
    const next = execa('node', [...CLI, 'erlang-ca-expiry', '--out', await mkdtemp(join(tmpdir(), 'certdrill-engine-back-'))], {
      reject: false,
      all: true,
      env,
      timeout: 180_000,
    });
    await untilOutput(next, /removed what 1 earlier interrupted run\(s\) left behind/);
    next.kill('SIGINT');
    expect((await next).exitCode).toBe(130);
    expect(await certdrillLeftovers('docker', { host: engine.host })).toEqual(NOTHING_LEFT.docker);
  });
});
