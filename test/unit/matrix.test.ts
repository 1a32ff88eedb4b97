import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { renderMatrix, type MatrixCell } from '../../src/report/matrix.js';
import type { RunResults } from '../../src/scenario/runner.js';

function run(scenario: string, platform: string, versions: Record<string, string>, verdicts: [string, boolean][]): RunResults {
  return {
    scenario,
    platform,
    runId: 'r',
    startedAt: '2026-11-23T03:00:00.000Z',
    outcome: 'completed',
    versions,
    expectations: verdicts.map(([id, pass]) => ({ id, title: `${id} title`, pass, observed: `${id} ${pass ? 'held' : 'did not hold'} on ${platform}` })),
  };
}

const cells: MatrixCell[] = [
  { name: 'docker-otp25', runs: [run('erlang-ca-expiry', 'docker', { OTP: '25.2.3' }, [['mesh', true], ['alone', true]])] },
  { name: 'kind-otp27', runs: [run('erlang-ca-expiry', 'kind', { OTP: '27.1' }, [['mesh', true], ['alone', false]])] },
  { name: 'docker-etcd3.5', runs: [run('etcd-peer-certs-expired', 'docker', { etcd: '3.5.17' }, [['no-quorum', true]])] },
];

describe('renderMatrix', () => {
  const markdown = renderMatrix(cells);

  it('tables each scenario\'s expectations across the cells that ran it', () => {
    expect(markdown).toContain('| Expectation | docker-otp25 | kind-otp27 |');
    expect(markdown).toContain('| alone title | PASS | **FAIL** |');
    expect(markdown).toContain('| no-quorum title | PASS |');
  });

  it('calls out the expectations whose result differs between cells, with what each observed', () => {
    const differences = markdown.slice(markdown.indexOf('## Differences between cells'), markdown.indexOf('## erlang-ca-expiry'));
    expect(differences).toContain('**erlang-ca-expiry** — alone title');
    expect(differences).toContain('  - kind-otp27: FAIL, alone did not hold on kind');
    expect(differences).not.toContain('mesh title');
  });

  it('lists the cells with platform and versions', () => {
    expect(markdown).toContain('| kind-otp27 | kind | OTP 27.1 | 1 | 1 of 2 |');
    expect(markdown).toContain('3 cells, 2 scenarios: 4 of 5 expectation results hold.');
  });

  it('says so when every cell agrees', () => {
    expect(renderMatrix([cells[0]!, cells[2]!])).toContain('None: every expectation has the same result in every cell that checked it.');
  });
});

describe('npm run report:matrix', () => {
  it('merges cell folders as CI downloads them, results.json files at any depth', async () => {
    const root = await mkdtemp(join(tmpdir(), 'certdrill-matrix-'));
    for (const c of cells) {
      for (const r of c.runs) {
        const dir = join(root, c.name, 'suite', r.scenario);
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'results.json'), JSON.stringify(r));
      }
    }
    const out = join(root, 'matrix.md');
    const result = await execa('node', ['--import', 'tsx', 'src/cli/matrix.ts', '--out', out, ...cells.map((c) => join(root, c.name))], { reject: false });
    expect(result.exitCode).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(renderMatrix(cells));
  });

  it('exits 2 with usage when given no folder or a missing one', async () => {
    expect((await execa('node', ['--import', 'tsx', 'src/cli/matrix.ts'], { reject: false })).exitCode).toBe(2);
    const missing = await execa('node', ['--import', 'tsx', 'src/cli/matrix.ts', '/nonexistent/cell'], { reject: false });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^certdrill: \/nonexistent\/cell is not a folder/);
  });
});
