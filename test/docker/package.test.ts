import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * What a user does: pack certdrill, install the tarball into an empty folder,
 * write a scenario there that imports from `certdrill` (docs/writing-scenarios.md's
 * examples), type-check it against the package's types, and run it on docker
 * with `npx certdrill run`.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/.bin/tsc');

/** The complete scenario examples of docs/writing-scenarios.md: ```ts blocks that import from certdrill and export a scenario. */
async function docExamples(): Promise<string[]> {
  const page = await readFile(join(ROOT, 'docs/writing-scenarios.md'), 'utf8');
  return [...page.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((code) => code.includes("from 'certdrill'") && code.includes('export default defineScenario'));
}

describe('the packed package, installed into an empty folder', () => {
  let user: string;
  let dir: string;
  let tarball: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certdrill-package-'));
    await execa('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT });
    tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'))!;
    user = join(dir, 'my-repo');
    await mkdir(user);
    await writeFile(join(user, 'package.json'), JSON.stringify({ name: 'my-repo', private: true, type: 'module' }));
    await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)], { cwd: user });
  });

  it("ships the compiled code and the images' build contexts, and no TypeScript sources", async () => {
    const shipped = join(user, 'node_modules/certdrill/dist');
    for (const path of [
      'src/cli/certdrill.js',
      'src/index.d.ts',
      'erlang-app/Dockerfile',
      'src/workload/etcd/image/Dockerfile',
      'src/clock/shim/certdrill-clock.c',
      'kind-node/node.Dockerfile',
      'scripts/base-image.sh',
    ]) {
      await expect(readFile(join(shipped, path)), path).resolves.toBeDefined();
    }
    const { stdout } = await execa('find', [shipped, '-name', '*.ts', '!', '-name', '*.d.ts']);
    expect(stdout).toBe('');
  });

  it("type-checks the examples of docs/writing-scenarios.md against the package's types", async () => {
    const examples = await docExamples();
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const [i, code] of examples.entries()) await writeFile(join(user, `example-${i + 1}.ts`), code);
    const tsconfig = {
      compilerOptions: {
        strict: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      include: ['example-*.ts'],
    };
    await writeFile(join(user, 'tsconfig.json'), JSON.stringify(tsconfig));
    const check = await execa(TSC, ['-p', user], { reject: false, all: true });
    expect(check.exitCode, check.all).toBe(0);
  });

  it('npx certdrill list, then run ./my-scenario.ts --out DIR: exit 0 and findings, every expectation holding', async () => {
    const list = await execa('npx', ['certdrill', 'list'], { cwd: user });
    expect(list.stdout).toMatch(/^erlang-ca-expiry +Three TLS-distribution nodes/m);
    // Each subcommand's help speaks of the command the user typed, not of the clone's npm scripts.
    const help = await execa('npx', ['certdrill', 'run', '--help'], { cwd: user });
    expect(help.stdout).toMatch(/^usage: certdrill run <name\|file> /);
    expect(help.stdout).not.toContain('npm run');
    await writeFile(join(user, 'my-scenario.ts'), (await docExamples())[0]!);
    const run = await execa('npx', ['certdrill', 'run', './my-scenario.ts', '--out', 'findings-dir'], {
      cwd: user,
      reject: false,
      all: true,
      timeout: 240_000,
    });
    expect(run.exitCode, run.all).toBe(0);
    const findings = await readFile(join(user, 'findings-dir/findings.md'), 'utf8');
    expect(findings).toMatch(/\*\*Result: PASS\*\* — 3 of 3 expectations hold\./);
    expect(findings).toMatch(/^\*\*Answer:\*\* Not when the CA expired \(.*\)[,;.] at the next restart/m);
  });

  it("without --out, writes its reports under the user's folder, never into node_modules; a missing file is one line, exit 2", async () => {
    const run = await execa('npx', ['certdrill', 'run', './my-scenario.ts'], { cwd: user, reject: false, all: true, timeout: 240_000 });
    expect(run.exitCode, run.all).toBe(0);
    expect((await readdir(join(user, 'reports/runs'))).some((d) => d.endsWith('-my-ca-expiry'))).toBe(true);
    const missing = await execa('npx', ['certdrill', 'run', './nope.ts'], { cwd: user, reject: false });
    expect(missing.exitCode).toBe(2);
    // npm may warn first (its own configuration); certdrill's line is the last.
    expect(missing.stderr.trim().split('\n').at(-1)).toBe(
      'certdrill: no scenario file ./nope.ts: give the path of a .ts or .js file whose default export is made with defineScenario',
    );
  });

  let cjs: string;

  it("in a folder made by npm init -y (CommonJS, npm's default), runs the example as .ts, and loads it as .mts and a CommonJS .js; an ES .js gets what to do", async () => {
    cjs = join(dir, 'npm-init-y');
    await mkdir(cjs);
    await execa('npm', ['init', '-y'], { cwd: cjs });
    expect(JSON.parse(await readFile(join(cjs, 'package.json'), 'utf8')).type ?? 'commonjs').toBe('commonjs');
    await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)], { cwd: cjs });
    const example = (await docExamples())[0]!;
    await writeFile(join(cjs, 'my-scenario.ts'), example);
    const run = await execa('npx', ['certdrill', 'run', './my-scenario.ts', '--out', 'out'], {
      cwd: cjs,
      reject: false,
      all: true,
      timeout: 240_000,
    });
    expect(run.exitCode, run.all).toBe(0);
    // The others only need to load: with no engine reachable, the run stops at the engine, after loading them.
    await writeFile(join(cjs, 'my-scenario.mts'), example);
    await writeFile(
      join(cjs, 'required.js'),
      "const { defineScenario, toy } = require('certdrill');\n" +
        "module.exports = defineScenario({ name: 'required', workload: toy, description: 'CommonJS', setup: () => ({ cluster: { nodes: [] } }), run: async () => {}, expectations: [] });\n",
    );
    await writeFile(join(cjs, 'imported.js'), "import { defineScenario, toy } from 'certdrill';\nexport default defineScenario({});\n");
    const noEngine = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    for (const file of ['./my-scenario.mts', './required.js']) {
      const loaded = await execa('npx', ['certdrill', 'run', file], { cwd: cjs, reject: false, env: noEngine, timeout: 60_000 });
      expect(loaded.exitCode, loaded.stderr).toBe(2);
      expect(loaded.stderr.trim().split('\n').at(-1), file).toMatch(/^certdrill: no Docker engine is reachable/);
    }
    const esm = await execa('npx', ['certdrill', 'run', './imported.js'], { cwd: cjs, reject: false, env: noEngine, timeout: 60_000 });
    expect(esm.exitCode).toBe(2);
    expect(esm.stderr.trim().split('\n').at(-1)).toBe(
      'certdrill: ./imported.js does not load: it uses `import`, and the package.json of its folder makes a .js file CommonJS: name it .mjs or .ts, or set "type": "module" in that package.json',
    );
  });

  it("runs a workload of the user's own: the toy's folder copied there, importing only from certdrill, with its scenario", async () => {
    const toyDir = join(ROOT, 'src/workload/toy');
    const mine = join(cjs, 'my-toy');
    await mkdir(mine);
    await cp(join(toyDir, 'image'), join(mine, 'image'), { recursive: true });
    for (const file of (await readdir(toyDir)).filter((f) => f.endsWith('.ts'))) {
      const code = await readFile(join(toyDir, file), 'utf8');
      expect(code.match(/from '\.\.\/[^']*'/g) ?? [], `${file} imports only the workload API`).toEqual(code.match(/from '\.\.\/api\.js'/g) ?? []);
      await writeFile(join(mine, file), code.replaceAll("from '../api.js'", "from 'certdrill'"));
    }
    const scenario = (await readFile(join(toyDir, 'scenarios/toy-cert-expiry.ts'), 'utf8'))
      .replace(/from '\.\.\/\.\.\/\.\.\/[^']*'/g, "from 'certdrill'")
      .replace("from '../index.js'", "from './my-toy/index.js'");
    await writeFile(join(cjs, 'toy-scenario.ts'), scenario);
    const run = await execa('npx', ['certdrill', 'run', './toy-scenario.ts', '--out', 'toy-out'], {
      cwd: cjs,
      reject: false,
      all: true,
      timeout: 240_000,
    });
    expect(run.exitCode, run.all).toBe(0);
    expect(await readFile(join(cjs, 'toy-out/findings.md'), 'utf8')).toMatch(/\*\*Result: PASS\*\*/);
  });
});
