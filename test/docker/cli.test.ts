import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { certdrillLeftovers } from '../support/docker-leftovers.js';
import { kindUnavailable } from '../support/kind-available.js';

// What `npm run scenario --` runs, without npm's own chatter on stderr.
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

function cli(args: string[], env: Record<string, string> = {}) {
  return execa('node', [...CLI, ...args], { reject: false, env, all: true });
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
    [['erlang-ca-expiry', '--bogus'], /^certdrill: Unknown option '--bogus'/],
    [[], /^certdrill: name a scenario to run/],
  ])('exits 2 with a one-line reason for %j', async (args, message) => {
    const run = await cli(args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.runIf(kindUnavailable() === 'kind is not installed')('exits 2 saying kind is missing for --platform kind, where it is', async () => {
    const run = await cli(['erlang-ca-expiry', '--platform', 'kind', '--out', await mkdtemp(join(tmpdir(), 'certdrill-nokind-'))]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean).at(-1)).toMatch(/^certdrill: kind is not installed: install kind .* or run with --platform docker$/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 with what to do when no Docker engine is reachable', async () => {
    const run = await cli(['erlang-ca-expiry', '--out', await mkdtemp(join(tmpdir(), 'certdrill-noengine-'))], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^certdrill: no Docker engine is reachable: start one/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('on Ctrl-C halfway through, stops, removes everything it made, and exits 130', async () => {
    const out = await mkdtemp(join(tmpdir(), 'certdrill-interrupt-'));
    const child = execa('node', [...CLI, 'erlang-ca-expiry', '--out', out], { reject: false, all: true });
    let sawJump = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the run never reached its clock jump')), 240_000);
      child.all!.on('data', (chunk: Buffer) => {
        if (!sawJump && chunk.toString().includes('step jump-clocks')) {
          sawJump = true;
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect((await certdrillLeftovers()).containers.length).toBe(3);
    child.kill('SIGINT');
    const run = await child;
    expect(run.all).toContain('SIGINT: stopping and removing what this run made');
    expect(run.exitCode).toBe(130);
    expect(await certdrillLeftovers()).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
