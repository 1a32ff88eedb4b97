import { describe, expect, it } from 'vitest';
import { asSection, renderStability, tallyVerdicts, type Repetition } from '../../src/report/stability.js';
import type { RunResults } from '../../src/report/results.js';
import type { Verdict } from '../../src/scenario/types.js';

function results(scenario: string, verdicts: [string, Verdict][], seconds = 10): RunResults {
  return {
    scenario,
    platform: 'docker',
    runId: 'r',
    startedAt: '2026-11-23T03:00:00.000Z',
    endedAt: new Date(Date.parse('2026-11-23T03:00:00.000Z') + seconds * 1000).toISOString(),
    outcome: 'completed',
    versions: {},
    expectations: verdicts.map(([id, verdict]) => ({ id, title: `${id} title`, verdict, observed: '' })),
    windows: [
      {
        title: 'observe: does it hold?',
        seconds: seconds / 4,
        ended: seconds < 12 ? "every node's state held for 4 samples" : 'the 6 s maximum passed',
      },
    ],
  };
}

const rep = (index: number, ...runs: RunResults[]): Repetition => ({ index, seconds: 60, exitCode: 0, results: runs });

describe('verdict stability', () => {
  it('counts each verdict per expectation and calls it stable only when every run agrees', () => {
    const reps = [
      rep(
        1,
        results('a', [
          ['x', 'pass'],
          ['y', 'pass'],
        ]),
        results('b', [['z', 'fail']]),
      ),
      rep(
        2,
        results('a', [
          ['x', 'pass'],
          ['y', 'unknown'],
        ]),
        results('b', [['z', 'fail']]),
      ),
      rep(
        3,
        results('a', [
          ['x', 'pass'],
          ['y', 'pass'],
        ]),
      ),
    ];
    const tally = tallyVerdicts(reps);
    expect(tally.map((t) => [t.scenario, t.id, t.counts, t.missing, t.stable])).toEqual([
      ['a', 'x', { pass: 3, fail: 0, unknown: 0 }, 0, true],
      ['a', 'y', { pass: 2, fail: 0, unknown: 1 }, 0, false],
      ['b', 'z', { pass: 0, fail: 2, unknown: 0 }, 1, false],
    ]);
  });

  it('says plainly whether every expectation gave the same verdict, with runs, windows and times', () => {
    const markdown = renderStability({
      command: 'npm run scenario -- all',
      platform: 'docker',
      startedAt: '2026-11-23T03:00:00.000Z',
      endedAt: '2026-11-23T03:30:00.000Z',
      repetitions: [rep(1, results('a', [['x', 'pass']], 10)), rep(2, results('a', [['x', 'pass']], 14))],
    });
    expect(markdown).toContain('**Every one of the 1 expectations gave the same verdict in all 2 runs.**');
    expect(markdown).toContain('| a | x title | 2 | 0 | 0 | yes |');
    expect(markdown).toContain('| a | 10.0–14.0 s | does it hold? | 2.5–3.5 s | 1 of 2 |');
  });

  it('groups a window across runs though the instant in its title differs', () => {
    const at = (iso: string, seconds: number): RunResults => ({
      ...results('a', [['x', 'pass']]),
      windows: [{ title: `observe: until ${iso}: notAfter (${iso}) is reached`, seconds, ended: 'the 24 s window passed' }],
    });
    const markdown = renderStability({
      command: 'c',
      platform: 'docker',
      startedAt: '2026-11-23T03:00:00.000Z',
      endedAt: '2026-11-23T03:30:00.000Z',
      repetitions: [rep(1, at('2026-11-23T16:14:04.000Z', 24.3)), rep(2, at('2026-11-23T16:17:58.000Z', 23.2))],
    });
    expect(markdown).toContain('| until <instant>: notAfter (<instant>) is reached | 23.2–24.3 s | 0 of 2 |');
  });
});

describe('verdict stability under load, against a baseline', () => {
  const page = (repetitions: Repetition[], baseline: RunResults[]) =>
    renderStability({
      command: 'c',
      platform: 'docker',
      startedAt: '2026-12-06T20:00:00.000Z',
      endedAt: '2026-12-06T21:00:00.000Z',
      repetitions,
      load: 2,
      baseline: { label: 'reports/suite (2026-12-06)', results: baseline },
    });

  it('names the load and the expectations whose verdict moved from the baseline, and only those', () => {
    const markdown = page(
      [
        rep(
          1,
          results('a', [
            ['x', 'pass'],
            ['y', 'pass'],
          ]),
        ),
        rep(
          2,
          results('a', [
            ['x', 'unknown'],
            ['y', 'pass'],
          ]),
        ),
      ],
      [
        results('a', [
          ['x', 'pass'],
          ['y', 'pass'],
          ['z', 'fail'],
        ]),
      ],
    );
    expect(markdown).toContain('# certdrill verdict stability under load');
    expect(markdown).toContain('with 2 busy CPU loops beside each run');
    expect(markdown).toContain('**Against reports/suite (2026-12-06), 1 of 2 expectations gave another verdict in some run:** a x.');
    expect(markdown).toContain('| a | x title | 1 | 0 | 1 | **no** | PASS | **yes** |');
    expect(markdown).toContain('| a | y title | 2 | 0 | 0 | yes | PASS | no |');
  });

  it('does not call an expectation the baseline lacks moved', () => {
    const markdown = page([rep(1, results('b', [['w', 'fail']]))], [results('a', [['x', 'pass']])]);
    expect(markdown).toContain('**Against reports/suite (2026-12-06), no verdict moved.**');
    expect(markdown).toContain('| b | w title | 0 | 1 | 0 | yes | — | — |');
  });

  it('turns a page into a section of another: every heading one level down', () => {
    expect(asSection('# Page\n\ntext # not a heading\n\n## Part\n')).toBe('## Page\n\ntext # not a heading\n\n### Part\n');
  });
});
