import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { byNpmScript, CLI, untilOutput } from '../support/cli.js';
import { certdrillLeftovers, NOTHING_LEFT } from '../support/leftovers.js';

function cli(args: string[], env: Record<string, string> = {}) {
  return execa('node', [...CLI, ...args], { reject: false, env: { ...byNpmScript('scenario'), ...env }, all: true });
}

describe('the scenario command', () => {
  it('lists scenarios with their descriptions', async () => {
    const run = await cli(['--list']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^erlang-ca-expiry\s+Three TLS-distribution nodes/m);
  });

  it.each([
    [['no-such-scenario'], /^certdrill: unknown scenario "no-such-scenario": npm run scenario -- --list shows/],
    [['erlang-ca-expiry', '--platform', 'vm'], /^certdrill: unknown platform "vm": use one of docker, kind/],
    [['erlang-ca-expiry', '--bogus'], /^certdrill: unknown option --bogus: npm run scenario -- --help lists the options$/],
    [[], /^certdrill: name a scenario to run/],
  ])('exits 2 with a one-line reason for %j', async (args, message) => {
    const run = await cli(args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 saying what to do when --platform kind names a kind that does not run', async () => {
    const run = await cli(['erlang-ca-expiry', '--platform', 'kind', '--out', await mkdtemp(join(tmpdir(), 'certdrill-nokind-'))], {
      CERTDRILL_KIND: '/nonexistent/kind',
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean).at(-1)).toMatch(
      /^certdrill: CERTDRILL_KIND=\/nonexistent\/kind does not run .*: run npm run kind-image .* or run with --platform docker$/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 saying what to do when neither kind nor Go is there to run --platform kind', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'certdrill-path-'));
    await symlink(process.execPath, join(bin, 'node'));
    await symlink((await execa('which', ['docker'])).stdout.trim(), join(bin, 'docker'));
    const run = await cli(['erlang-ca-expiry', '--platform', 'kind', '--out', await mkdtemp(join(tmpdir(), 'certdrill-nogo-'))], {
      PATH: bin,
      CERTDRILL_CACHE_DIR: await mkdtemp(join(tmpdir(), 'certdrill-nocache-')),
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean).at(-1)).toMatch(
      /^certdrill: kind is not installed and the Go toolchain that would build it is missing: install Go .* or run with --platform docker$/,
    );
  });

  it('exits 2 saying kind needs Docker 23 or newer where the engine is older', async () => {
    // A docker client that reports the version bookworm's own docker.io has; certdrill must refuse before kind tries.
    const bin = await mkdtemp(join(tmpdir(), 'certdrill-olddocker-'));
    const real = (await execa('which', ['docker'])).stdout.trim();
    await writeFile(join(bin, 'docker'), `#!/bin/sh\n[ "$1" = version ] && { echo 20.10.24+dfsg1; exit 0; }\nexec ${real} "$@"\n`, { mode: 0o755 });
    const run = await cli(['erlang-ca-expiry', '--platform', 'kind', '--out', await mkdtemp(join(tmpdir(), 'certdrill-olddocker-out-'))], {
      PATH: `${bin}:${process.env.PATH}`,
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean).at(-1)).toMatch(
      /^certdrill: kind needs Docker 23 or newer to start privileged nodes here, and this engine is 20\.10\.24\+dfsg1: /,
    );
  });

  it('exits 2 with what to do when no Docker engine is reachable', async () => {
    const run = await cli(['erlang-ca-expiry', '--out', await mkdtemp(join(tmpdir(), 'certdrill-noengine-'))], {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^certdrill: no Docker engine is reachable: start one/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('on SIGINT to certdrill alone halfway through, stops, removes everything it made, and exits 130', async () => {
    const out = await mkdtemp(join(tmpdir(), 'certdrill-interrupt-'));
    const child = execa('node', [...CLI, 'erlang-ca-expiry', '--out', out], { reject: false, all: true, env: byNpmScript('scenario') });
    await untilOutput(child, /step jump-clocks/);
    // Only this run's objects count: other runs may share the engine.
    const pids = [child.pid!];
    expect((await certdrillLeftovers('docker', { pids })).containers.length).toBe(3);
    child.kill('SIGINT');
    const run = await child;
    expect(run.all).toContain('SIGINT: stopping and removing what this run made');
    expect(run.exitCode).toBe(130);
    expect(await certdrillLeftovers('docker', { pids })).toEqual(NOTHING_LEFT.docker);
  });
});
