import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, expectOneLine, npmRun } from '../support/cli.js';
import { repoWithScenarios, scenarioSource } from '../support/repo-copy.js';
import { tempDirs } from '../support/temp-dirs.js';

const temp = tempDirs();

/** Every bad input: exit 2 within seconds, the last stderr line `certdrill: <what is wrong>: <what to do>`, no stack trace. */
describe('bad input: exit 2 with one line saying what to do', () => {
  const cases: [string, () => Promise<string[]>, RegExp][] = [
    ['an unknown option', async () => ['erlang-ca-expiry', '--bogus'], /^unknown option --bogus: npm run scenario -- --help lists the options$/],
    ['an option missing its value', async () => ['erlang-ca-expiry', '--out'], /^--out needs a value: npm run scenario -- --help lists the options$/],
    [
      '--out in /proc, where no folder can be made',
      async () => ['erlang-ca-expiry', '--out', '/proc/certdrill-forbidden'],
      /^cannot make --out \/proc\/certdrill-forbidden \(ENOENT\): name a folder you can write to$/,
    ],
    [
      '--out in /sys',
      async () => ['erlang-ca-expiry', '--out', '/sys/certdrill'],
      /^cannot make --out \/sys\/certdrill \(EPERM\): name a folder you can write to$/,
    ],
    [
      '--out naming an existing file',
      async () => {
        const file = join(await temp('file'), 'findings.md');
        await writeFile(file, 'x');
        return ['erlang-ca-expiry', '--out', file];
      },
      /^--out \S+findings\.md: \S+findings\.md is a file, not a folder: name a folder \(it is made if missing\)$/,
    ],
    [
      '--out below a file',
      async () => ['erlang-ca-expiry', '--out', '/etc/hostname/out'],
      /^cannot make --out \/etc\/hostname\/out \(ENOTDIR\): name a folder you can write to$/,
    ],
    [
      '--summary in a folder that does not exist',
      async () => ['all', '--out', await temp('suite'), '--summary', '/nonexistent/certdrill/FINDINGS.md'],
      /^--summary \/nonexistent\/certdrill\/FINDINGS\.md: the folder \/nonexistent\/certdrill does not exist: make it first/,
    ],
    [
      '--summary naming a folder',
      async () => ['all', '--out', await temp('suite'), '--summary', tmpdir()],
      /^--summary \S+ is a folder: name the file to write/,
    ],
    ['--summary without all', async () => ['erlang-ca-expiry', '--summary', '/tmp/x.md'], /^--summary goes with all$/],
    ['--json without --list', async () => ['--json'], /^--json goes with --list$/],
    ['--keep-cluster on docker', async () => ['erlang-ca-expiry', '--keep-cluster'], /^--keep-cluster goes with --platform kind$/],
    ['--cluster without cleanup on kind', async () => ['--cleanup', '--cluster'], /^--cluster goes with cleanup --platform kind$/],
    [
      '--image-registry on docker',
      async () => ['erlang-ca-expiry', '--image-registry', 'localhost:5001'],
      /^--image-registry goes with --platform kubernetes$/,
    ],
    [
      'kubernetes without a registry',
      async () => ['erlang-ca-expiry', '--platform', 'kubernetes', '--out', await temp('no-registry')],
      /^--platform kubernetes needs --image-registry REGISTRY: a registry this host pushes certdrill's images to and the cluster's nodes pull from$/,
    ],
    [
      'a registry given as a URL',
      async () => [
        'erlang-ca-expiry',
        '--platform',
        'kubernetes',
        '--image-registry',
        'https://registry.example',
        '--out',
        await temp('url-registry'),
      ],
      /^--image-registry https:\/\/registry\.example: name a registry as docker does, host\[:port\]\[\/path\]/,
    ],
    [
      'two scenarios at once',
      async () => ['erlang-ca-expiry', 'erlang-clock-skew'],
      /^one scenario at a time, not erlang-ca-expiry erlang-clock-skew$/,
    ],
    [
      'a kind-only scenario on docker (cert-manager needs an API server)',
      async () => ['erlang-cert-manager-incident', '--out', await temp('kind-only')],
      /^scenario erlang-cert-manager-incident runs on kind or kubernetes only, not on docker: run it with --platform kind$/,
    ],
    [
      '--cleanup with no Docker engine',
      async () => ['--cleanup'],
      /^no Docker engine is reachable: start one at DOCKER_HOST=unix:\/\/\/nonexistent\/docker\.sock/,
    ],
  ];

  it.concurrent.each(cases)('%s', async (_name, args, message) => {
    const started = Date.now();
    const run = await cli(await args(), { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, timeoutMs: 30_000 });
    expect(run.exitCode).toBe(2);
    expectOneLine(run.stderr, message);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('an unknown CERTDRILL_DEBIAN_SUITE exits 2 before anything is built, instead of quietly running bookworm', async () => {
    const run = await cli(['erlang-ca-expiry'], {
      env: { CERTDRILL_DEBIAN_SUITE: 'sid', DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      timeoutMs: 30_000,
    });
    expect(run.exitCode).toBe(2);
    expectOneLine(run.stderr, /^CERTDRILL_DEBIAN_SUITE=sid is not a suite certdrill builds on: use bookworm or trixie, or unset it$/);
  });

  it('an unknown CERTDRILL_ETCD_MANAGER_VERSION exits 2 before anything is built, instead of quietly running the legacy one', async () => {
    const run = await cli(['etcd-certs-expire-in-time'], {
      env: { CERTDRILL_ETCD_MANAGER_VERSION: '3.0.20240101', DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      timeoutMs: 30_000,
    });
    expect(run.exitCode).toBe(2);
    expectOneLine(
      run.stderr,
      /^CERTDRILL_ETCD_MANAGER_VERSION=3\.0\.20240101 is not a version certdrill runs: use 3\.0\.20200116, 3\.0\.20200428, v3\.0\.20260707, or unset it \(3\.0\.20200116\)$/,
    );
  });

  it('through npm, --out /proc/x exits 2 within 10 s with one line', async () => {
    const started = Date.now();
    const run = await execa('npm', ['run', '-s', 'scenario', '--', 'erlang-ca-expiry', '--out', '/proc/x'], {
      reject: false,
      all: true,
      timeout: 30_000,
    });
    const seconds = (Date.now() - started) / 1000;
    expect(run.exitCode).toBe(2);
    expectOneLine(run.stderr, /^cannot make --out \/proc\/x \(ENOENT\): name a folder you can write to$/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(seconds).toBeLessThan(10);
  });
});

describe('stability and rehearse on a cluster of your own: a mistake is one line (exit 2) before the first run', () => {
  const kubeconfig = async () => {
    const file = join(await temp('kubeconfig'), 'config');
    const context = (name: string) => ({ name, context: { cluster: 'c', user: 'u' } });
    await writeFile(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: {} }],
        contexts: [context('lab'), context('shop-prod-eu')],
        'current-context': 'lab',
      }),
    );
    return { KUBECONFIG: file };
  };
  const cases: [string, string, string[], RegExp][] = [
    [
      'a cluster option on docker',
      'stability',
      ['erlang-ca-expiry', '--context', 'lab'],
      /^--context goes with --platform kubernetes \(npm run stability -- --help shows the usage\)$/,
    ],
    [
      'kubernetes without a registry',
      'stability',
      ['erlang-ca-expiry', '--platform', 'kubernetes'],
      /^--platform kubernetes needs --image-registry REGISTRY: /,
    ],
    [
      'a production-looking context',
      'stability',
      ['erlang-ca-expiry', '--platform', 'kubernetes', '--image-registry', 'localhost:5001', '--context', 'shop-prod-eu'],
      /^context shop-prod-eu looks like production .*--yes-this-cluster/,
    ],
    ['a cluster option on docker', 'rehearse', ['test', '--storage-class', 'fast'], /^--storage-class goes with --platform kubernetes$/],
    ['kubernetes without a registry', 'rehearse', ['test', '--platform', 'kubernetes'], /^--platform kubernetes needs --image-registry REGISTRY: /],
    [
      'a production-looking context',
      'rehearse',
      ['test', '--platform', 'kubernetes', '--image-registry', 'localhost:5001', '--context', 'shop-prod-eu'],
      /^context shop-prod-eu looks like production .*--yes-this-cluster/,
    ],
  ];

  it.concurrent.each(cases)('%s (%s)', async (_name, script, args, message) => {
    const out = await temp(script);
    const run = await npmRun(script, [...args, ...(script === 'stability' ? ['--runs', '1'] : []), '--out', out], {
      env: await kubeconfig(),
      timeoutMs: 30_000,
    });
    expect(run.exitCode).toBe(2);
    expectOneLine(run.stderr, message);
    expect(run.all).not.toMatch(/^run 1\/1|^certificates read/m);
  });
});

describe('scenario files that are wrong', () => {
  let broken: string;
  let faulty: string;
  beforeAll(async () => {
    const good = await readFile(new URL('../../scenarios/erlang-ca-expiry.ts', import.meta.url), 'utf8');
    [broken, faulty] = await Promise.all([
      repoWithScenarios(temp, {
        'erlang-ca-expiry.ts': good,
        'broken.ts': 'export default { name: "broken"\n  const = 3;\n',
        'no-export.ts': 'export const scenario = { name: "no-export" };\n',
      }),
      repoWithScenarios(temp, {
        'throws-in-setup.ts': scenarioSource('throws-in-setup', "throw new Error('no CA given for node2');"),
        'bad-clock.ts': scenarioSource(
          'bad-clock',
          "const setup = erlangCluster({ reference, nodes: ['node1'] });\n    return { cluster: { ...setup, nodes: setup.nodes.map((n) => ({ ...n, clock: '+31x' })) } };",
          "import { erlangCluster } from '../src/workload/erlang/index.js';",
        ),
      }),
    ]);
  });

  it("a file that does not compile: running any scenario exits 2 naming the file, the line and the compiler's reason", async () => {
    const run = await cli(['erlang-ca-expiry'], { cwd: broken });
    expect(run.exitCode).toBe(2);
    expectOneLine(
      run.stderr,
      /^scenarios\/broken\.ts does not load: it does not compile: line 2, column 3: Expected "}" but found "const": correct that line, or move it out of scenarios\/$/,
    );
  });

  it('--list still lists the scenarios that load, names each file that does not, and exits 2', async () => {
    const run = await cli(['--list'], { cwd: broken });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toMatch(/^erlang-ca-expiry\s+Three TLS-distribution nodes/m);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^certdrill: scenarios\/broken\.ts does not load: it does not compile: /),
      'certdrill: scenarios/no-export.ts does not load: it has no default export made with defineScenario: end it with export default defineScenario({ ... }), or move it out of scenarios/',
    ]);
  });

  it('a scenario whose setup throws exits 2 naming its file and the error, before anything starts', async () => {
    const run = await cli(['throws-in-setup', '--out', await temp('throws')], { cwd: faulty });
    expect(run.exitCode).toBe(2);
    expectOneLine(run.stderr, /^scenarios\/throws-in-setup\.ts: its setup failed: no CA given for node2: fix the scenario/);
  });

  it('a scenario with a bad clock spec exits 2 naming its file and the spec', async () => {
    const run = await cli(['bad-clock', '--out', await temp('bad-clock')], { cwd: faulty });
    expect(run.exitCode).toBe(2);
    expectOneLine(run.stderr, /^scenarios\/bad-clock\.ts: bad clock spec "\+31x": use an offset like \+31d/);
  });
});

describe('for people and machines', () => {
  it('--version prints the version in package.json, and nothing else', async () => {
    const run = await cli(['--version']);
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(version);
  });

  it('--list --json prints a JSON array of {name, description, question, workload}', async () => {
    const run = await cli(['--list', '--json']);
    expect(run.exitCode).toBe(0);
    const list = JSON.parse(run.stdout) as Record<string, string>[];
    expect(list.length).toBeGreaterThanOrEqual(12);
    expect(list.find((s) => s.name === 'erlang-ca-expiry')).toEqual({
      name: 'erlang-ca-expiry',
      description: expect.stringMatching(/^Three TLS-distribution nodes/),
      question: 'Did clustering break when the CA expired, or only at the next restart?',
      workload: 'erlang',
    });
    expect(list.find((s) => s.name === 'etcd-peer-certs-expired')?.workload).toBe('etcd');
  });
});
