import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMatrix, type MatrixCell } from '../../src/report/matrix.js';
import type { RunResults } from '../../src/report/results.js';
import type { Verdict } from '../../src/scenario/types.js';
import { npmRun } from '../support/cli.js';

function run(scenario: string, platform: string, versions: Record<string, string>, verdicts: [string, Verdict][]): RunResults {
  return {
    scenario,
    platform,
    runId: 'r',
    startedAt: '2026-11-23T03:00:00.000Z',
    outcome: 'completed',
    versions,
    expectations: verdicts.map(([id, verdict]) => ({
      id,
      title: `${id} title`,
      verdict,
      observed: `${id} ${verdict === 'pass' ? 'held' : verdict === 'fail' ? 'did not hold' : 'could not be judged'} on ${platform}`,
    })),
  };
}

const cells: MatrixCell[] = [
  {
    name: 'docker-otp25',
    runs: [
      run('erlang-ca-expiry', 'docker', { OTP: '25.2.3' }, [
        ['mesh', 'pass'],
        ['alone', 'pass'],
      ]),
    ],
  },
  {
    name: 'kind-otp27',
    runs: [
      run('erlang-ca-expiry', 'kind', { OTP: '27.1' }, [
        ['mesh', 'unknown'],
        ['alone', 'fail'],
      ]),
    ],
  },
  { name: 'docker-etcd3.5', runs: [run('etcd-peer-certs-expired', 'docker', { etcd: '3.5.17' }, [['no-quorum', 'pass']])] },
];

describe('renderMatrix', () => {
  const markdown = renderMatrix(cells);

  it("titles a row as the first cell does (an axis's default version), where cells title it with the version they ran", () => {
    const legacy = run('etcd-certs-expire-in-time', 'docker', {}, [['one-year', 'pass']]);
    const fixed = run('etcd-certs-expire-in-time', 'docker', {}, [['one-year', 'fail']]);
    legacy.expectations[0]!.title = 'etcd-manager 3.0.20200116 issues 365-day certificates';
    fixed.expectations[0]!.title = 'etcd-manager 3.0.20200428 issues 365-day certificates';
    const page = renderMatrix([
      { name: 'docker-etcd3.4', runs: [legacy] },
      { name: 'docker-etcd3.4-etcd-manager-3.0.20200428', runs: [fixed] },
    ]);
    expect(page).toContain('| etcd-manager 3.0.20200116 issues 365-day certificates | PASS | **FAIL** |');
    expect(page).not.toContain('etcd-manager 3.0.20200428 issues');
  });

  it("tables each scenario's expectations across the cells that ran it", () => {
    expect(markdown).toContain('| Expectation | docker-otp25 | kind-otp27 |');
    expect(markdown).toContain('| alone title | PASS | **FAIL** |');
    expect(markdown).toContain('| no-quorum title | PASS |');
  });

  it('calls out the expectations whose result differs between cells, with what each observed', () => {
    const differences = markdown.slice(markdown.indexOf('## Differences between cells'), markdown.indexOf('## Could not judge'));
    expect(differences).toContain('**erlang-ca-expiry** — alone title');
    expect(differences).toContain('  - kind-otp27: FAIL, alone did not hold on kind');
    expect(differences).not.toContain('mesh title');
  });

  it('never calls an UNKNOWN a difference: it lists it apart, as could not judge', () => {
    expect(markdown).toContain('| mesh title | PASS | **UNKNOWN** (could not judge) |');
    const unjudged = markdown.slice(markdown.indexOf('## Could not judge'), markdown.indexOf('## erlang-ca-expiry'));
    expect(unjudged).toContain('- **erlang-ca-expiry** — mesh title: could not judge in kind-otp27: mesh could not be judged on kind');
  });

  it('lists the cells with platform and versions', () => {
    expect(markdown).toContain('| kind-otp27 | kind | OTP 27.1 | 1 | 0 of 2 expectations hold; 1 does not; 1 could not be judged |');
    expect(markdown).toContain('3 cells, 2 scenarios: 3 of 5 expectation results hold; 1 does not; 1 could not be judged.');
  });

  it('says so when every cell agrees', () => {
    expect(renderMatrix([cells[0]!, cells[2]!])).toContain('None: every expectation has the same result in every cell that could judge it.');
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
    const result = await npmRun('report:matrix', ['--out', out, ...cells.map((c) => join(root, c.name))]);
    expect(result.exitCode).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(renderMatrix(cells));
  });

  it('reads results.json written before verdicts had three values (pass: true or false)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'certdrill-matrix-old-'));
    const old = { ...cells[2]!.runs[0]!, expectations: [{ id: 'no-quorum', title: 'no-quorum title', pass: false, observed: 'x' }] };
    await writeFile(join(root, 'results.json'), JSON.stringify(old));
    const result = await npmRun('report:matrix', [root]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('| no-quorum title | **FAIL** |');
  });

  it('exits 2 with usage when given no folder or a missing one', async () => {
    expect((await npmRun('report:matrix', [])).exitCode).toBe(2);
    const missing = await npmRun('report:matrix', ['/nonexistent/cell']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^certdrill: \/nonexistent\/cell is not a folder/);
  });

  it.each([[['--out']], [['--bogus', '/tmp']], [['/tmp', '--out']]])('exits 2 with usage for %j', async (args) => {
    const result = await npmRun('report:matrix', [...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^usage: npm run report:matrix/);
  });
});
